using System.CommandLine;
using System.Linq;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules list</c>: every schedule with its timing, policies, state and next fire.</summary>
internal sealed class ScheduleListCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var json = JsonOption.Create();
        var command = new Command("list", "Every schedule: timing, task, policies, paused or active, next and last fire") { json };
        command.SetAction(CliContext.Run(async context =>
        {
            var schedules = await context.Schedules.ListAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(schedules.Select(ScheduleView.Json));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("SCHEDULE", "STATE", "TIMING", "TASK", "OVERLAP", "CATCH-UP", "NEXT FIRE", "LAST FIRE", "SOURCE");
            foreach (var s in schedules)
            {
                table.AddRow(
                    Markup.Escape(s.Name),
                    ScheduleView.State(s),
                    Markup.Escape(ScheduleView.Timing(s.Definition)),
                    Markup.Escape(s.Definition.TaskName),
                    s.Definition.Overlap.ToString(),
                    s.Definition.CatchUp.ToString(),
                    ScheduleView.Time(s.NextFireAt),
                    ScheduleView.Time(s.LastFireAt),
                    s.Source.ToString().ToLowerInvariant());
            }

            context.Out.Write(table);
            context.Out.WriteLine($"{schedules.Count} schedule(s)");
            return ExitCodes.Success;
        }));
        return command;
    }
}
