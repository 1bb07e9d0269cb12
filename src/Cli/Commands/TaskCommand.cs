using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary>
/// <c>taskflow task &lt;id&gt;</c>: one task's state, attempts, timestamps, arguments (as stored: redacted), error, result,
/// progress, trace id and message headers, then every attempt with its error and stack (schema version 13).
/// </summary>
internal sealed class TaskCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var id = new Argument<string>("task-id") { Description = "The task id" };
        var json = JsonOption.Create();
        var command = new Command("task", "One task from the state store: state, timestamps, error, result, progress, trace id, headers, and every attempt with its error and stack") { id, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var taskId = context.Parse.GetValue(id)!;
            var info = await context.Store.GetAsync(taskId, context.CancellationToken).ConfigureAwait(false);
            if (info is null)
            {
                return CliContext.Error($"task '{taskId}' is not in the state store (unknown id, or its record expired).", ExitCodes.Failed);
            }

            if (context.Parse.GetValue(json))
            {
                context.WriteJson(info);
                return ExitCodes.Success;
            }

            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            void Row(string name, string? value) => grid.AddRow(name, Markup.Escape(value ?? "-"));
            Row("id", info.TaskId);
            Row("task", info.TaskName);
            Row("queue", info.Queue);
            Row("state", info.State.ToString());
            Row("entity", info.EntityKey);
            Row("attempts", info.Attempts.ToString(CultureInfo.InvariantCulture));
            Row("worker", info.Worker);
            Row("created", Formats.Time(info.CreatedAt));
            Row("started", Formats.Time(info.StartedAt));
            Row("completed", Formats.Time(info.CompletedAt));
            Row("updated", Formats.Time(info.UpdatedAt));
            Row("expires", Formats.Time(info.ExpiresAt));
            if (info.Progress is { } progress)
            {
                var total = progress.Total is { } t ? "/" + t.ToString(CultureInfo.InvariantCulture) : string.Empty;
                Row("progress", $"{progress.Done.ToString(CultureInfo.InvariantCulture)}{total} {progress.Message}".Trim());
            }

            Row("arguments", info.Arguments);
            Row("error", info.Error);
            Row("result", info.ResultJson);
            Row("trace id", info.TraceId);
            context.Out.Write(grid);

            if (info.Headers.Count > 0)
            {
                var headers = new Table().Title("headers").AddColumn("header").AddColumn("value");
                foreach (var (name, value) in info.Headers)
                {
                    headers.AddRow(Markup.Escape(name), Markup.Escape(value ?? "-"));
                }

                context.Out.Write(headers);
            }

            var attempts = await context.Store.GetAttemptsAsync(taskId, context.CancellationToken).ConfigureAwait(false);
            if (attempts.Count > 0)
            {
                var table = new Table().Title("attempts").AddColumn("attempt").AddColumn("state").AddColumn("worker").AddColumn("started").AddColumn("ended").AddColumn("error");
                foreach (var attempt in attempts)
                {
                    table.AddRow(
                        attempt.Attempt.ToString(CultureInfo.InvariantCulture),
                        attempt.State.ToString(),
                        Markup.Escape(attempt.Worker ?? "-"),
                        Markup.Escape(Formats.Time(attempt.StartedAt)),
                        Markup.Escape(Formats.Time(attempt.EndedAt)),
                        Markup.Escape(attempt.Error ?? "-"));
                }

                context.Out.Write(table);
                foreach (var attempt in attempts)
                {
                    if (attempt.Stack is { } stack)
                    {
                        // Written as plain text (not a widget): a stack is copied, searched and never wrapped.
                        var writer = context.Out.Profile.Out.Writer;
                        await writer.WriteLineAsync($"attempt {attempt.Attempt.ToString(CultureInfo.InvariantCulture)} stack:").ConfigureAwait(false);
                        await writer.WriteLineAsync(stack).ConfigureAwait(false);
                    }
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
