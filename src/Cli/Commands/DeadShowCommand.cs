using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow dead show &lt;task-id&gt;</c>: one dead letter in full: failure, stack trace, headers, body.</summary>
internal sealed class DeadShowCommand : ICliCommand
{
    public string? Group => "dead";

    public Command Create()
    {
        var id = new Argument<string>("task-id") { Description = "The task id of the dead letter" };
        var queue = new Option<string?>("--queue") { Description = "Look only in this queue's dead letters (default: every TaskFlow queue's)", HelpName = "queue" };
        var json = JsonOption.Create();
        var command = new Command("show", "Show one dead letter in full: failure, stack trace, headers and body") { id, queue, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var taskId = context.Parse.GetValue(id)!;
            DeadLetter? found = null;
            foreach (var name in await DeadLetterQueues.ResolveAsync(context, context.Parse.GetValue(queue)).ConfigureAwait(false))
            {
                var filter = new DeadLetterFilter { Limit = 1 };
                filter.TaskIds.Add(taskId);
                var letters = await context.Admin.ListDeadLettersAsync(name, filter, context.CancellationToken).ConfigureAwait(false);
                if (letters.Count > 0)
                {
                    found = letters[0];
                    break;
                }
            }

            if (found is null)
            {
                return CliContext.Error($"no dead letter of task '{taskId}' found.", ExitCodes.Failed);
            }

            var view = found;
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(view);
                return ExitCodes.Success;
            }

            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            void Row(string name, string? value) => grid.AddRow(name, Markup.Escape(value ?? "-"));
            Row("task id", view.TaskId);
            Row("task", view.TaskName);
            Row("queue", view.Queue);
            Row("dead-letter queue", view.DeadLetterQueue);
            Row("reason", view.Reason);
            Row("exception", view.ExceptionType);
            Row("message", view.ExceptionMessage);
            Row("failed at", Formats.Time(view.FailedAt));
            Row("first failed at", Formats.Time(view.FirstFailedAt));
            Row("attempts", view.Attempts?.ToString(CultureInfo.InvariantCulture));
            Row("entity", view.EntityKey);
            Row("worker", view.Worker);
            Row("content type", view.ContentType);
            context.Out.Write(grid);
            if (view.StackTrace is { } stack)
            {
                context.Out.WriteLine();
                context.Out.WriteLine("stack trace:");
                context.Out.WriteLine(stack);
            }

            context.Out.WriteLine();
            context.Out.WriteLine("headers:");
            foreach (var (key, value) in view.Headers)
            {
                if (key != TaskFlow.Protocol.MessageHeaders.StackTrace)
                {
                    context.Out.WriteLine($"  {key}: {value}");
                }
            }

            context.Out.WriteLine();
            var (body, encoding) = DeadLetterJson.RedactedBody(view);
            context.Out.WriteLine($"body ({encoding}):");
            context.Out.WriteLine(body);
            return ExitCodes.Success;
        }));
        return command;
    }
}
