using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using Spectre.Console;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow dead list [queue]</c>: dead letters with their task and failure, without removing them.</summary>
internal sealed class DeadListCommand : ICliCommand
{
    public string? Group => "dead";

    public Command Create()
    {
        var queue = new Argument<string?>("queue") { Description = "The queue (or its .dead queue); default: every TaskFlow queue with dead letters", Arity = ArgumentArity.ZeroOrOne };
        var filters = new DeadLetterOptions(defaultLimit: 100);
        var json = JsonOption.Create();
        var command = new Command("list", "List dead letters (read without removing them)") { queue, json };
        filters.AddTo(command);
        command.SetAction(CliContext.Run(async context =>
        {
            var filter = filters.Read(context.Parse);
            var found = new List<DeadLetter>();
            foreach (var name in await DeadLetterQueues.ResolveAsync(context, context.Parse.GetValue(queue)).ConfigureAwait(false))
            {
                if (filter.Limit is { } limit && found.Count >= limit)
                {
                    break;
                }

                var remaining = filter.Limit - found.Count;
                var each = new DeadLetterFilter { TaskName = filter.TaskName, ExceptionType = filter.ExceptionType, Since = filter.Since, Until = filter.Until, EntityKey = filter.EntityKey, Limit = remaining };
                each.TaskIds.UnionWith(filter.TaskIds);
                found.AddRange(await context.Admin.ListDeadLettersAsync(name, each, context.CancellationToken).ConfigureAwait(false));
            }

            if (context.Parse.GetValue(json))
            {
                context.WriteJson(found);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("TASK ID", "TASK", "QUEUE", "REASON", "EXCEPTION", "FAILED AT", "ATTEMPTS", "ENTITY");
            foreach (var d in found)
            {
                table.AddRow(
                    Markup.Escape(d.TaskId ?? "-"),
                    Markup.Escape(d.TaskName ?? "-"),
                    Markup.Escape(d.Queue),
                    Markup.Escape(d.Reason ?? "-"),
                    Markup.Escape(d.ExceptionType is { } type ? $"{type}: {Cut(d.ExceptionMessage)}" : Cut(d.ExceptionMessage)),
                    Formats.Time(d.FailedAt),
                    d.Attempts?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    Markup.Escape(d.EntityKey ?? "-"));
            }

            context.Out.Write(table);
            context.Out.WriteLine($"{found.Count} dead letter(s)" + (filter.Limit is { } max && found.Count >= max ? $" (--limit {max} reached)" : string.Empty));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string Cut(string? text) => text is null ? "-" : text.Length <= 60 ? text : text[..57] + "...";
}
