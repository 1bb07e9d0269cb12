using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow task &lt;id&gt;</c>: one task's state, attempts, timestamps, arguments (as stored: redacted), error, result and progress.</summary>
internal sealed class TaskCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var id = new Argument<string>("task-id") { Description = "The task id" };
        var json = JsonOption.Create();
        var command = new Command("task", "One task from the state store: state, attempts, timestamps, error, result, progress") { id, json };
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
            context.Out.Write(grid);
            return ExitCodes.Success;
        }));
        return command;
    }
}
