using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules show &lt;name&gt;</c>: one schedule and its latest fires.</summary>
internal sealed class ScheduleShowCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var name = ScheduleView.NameArgument();
        var fires = new Option<int>("--fires") { Description = "How many of the latest fires to show (1-1000)", DefaultValueFactory = _ => 20, HelpName = "n" };
        var json = JsonOption.Create();
        var command = new Command("show", "One schedule: its definition, state and latest fires (sent, skipped, buffered, triggered)") { name, fires, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var key = context.Parse.GetValue(name)!;
            if (context.Parse.GetValue(fires) is < 1 or > 1000)
            {
                throw new CliException("--fires must be between 1 and 1000.");
            }

            var schedule = await context.Schedules.GetAsync(key, context.CancellationToken).ConfigureAwait(false);
            if (schedule is null)
            {
                return ScheduleView.NotFound(key);
            }

            var latest = await context.Schedules.GetFiresAsync(key, context.Parse.GetValue(fires), context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { schedule = ScheduleView.Json(schedule), fires = latest });
                return ExitCodes.Success;
            }

            var d = schedule.Definition;
            ScheduleView.Escape(context.Out, "schedule", d.Name);
            context.Out.MarkupLine($"{"state",-15} {ScheduleView.State(schedule)}");
            ScheduleView.Escape(context.Out, "timing", ScheduleView.Timing(d));
            ScheduleView.Escape(context.Out, "task", d.TaskName + " " + d.ArgumentsJson);
            ScheduleView.Escape(context.Out, "queue", d.Queue ?? "(the task's)");
            ScheduleView.Escape(context.Out, "overlap", d.Overlap.ToString());
            ScheduleView.Escape(context.Out, "catch-up", d.CatchUp + (d.CatchUp == Scheduling.CatchUpPolicy.RunAll ? " within " + d.CatchUpWindow.ToString("c", CultureInfo.InvariantCulture) : string.Empty));
            ScheduleView.Escape(context.Out, "source", schedule.Source.ToString().ToLowerInvariant());
            ScheduleView.Escape(context.Out, "next fire", ScheduleView.Time(schedule.NextFireAt));
            ScheduleView.Escape(context.Out, "last fire", ScheduleView.Time(schedule.LastFireAt) + (schedule.LastTaskId is null ? string.Empty : " task " + schedule.LastTaskId));
            ScheduleView.Escape(context.Out, "buffered", schedule.BufferedFires.ToString(CultureInfo.InvariantCulture));
            var table = new Table().Border(TableBorder.Simple).AddColumns("FIRE", "STATUS", "TASK ID", "RECORDED", "SENT");
            foreach (var f in latest)
            {
                table.AddRow(ScheduleView.Time(f.FireAt), f.Status.ToString().ToLowerInvariant(), f.TaskId, ScheduleView.Time(f.RecordedAt), ScheduleView.Time(f.SentAt));
            }

            context.Out.Write(table);
            return ExitCodes.Success;
        }));
        return command;
    }
}
