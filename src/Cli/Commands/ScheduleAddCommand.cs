using System;
using System.CommandLine;
using Spectre.Console;
using System.Globalization;
using TaskFlow.Scheduling;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules add &lt;name&gt; --task T (--cron C | --every I) [...]</c>: add (or with --replace, change) a schedule.</summary>
internal sealed class ScheduleAddCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var name = ScheduleView.NameArgument();
        var task = new Option<string>("--task") { Description = "The task's name, e.g. notes.notes_tasks.cleanup", Required = true, HelpName = "name" };
        var args = new Option<string>("--args") { Description = "The task's positional arguments as a JSON array", DefaultValueFactory = _ => "[]", HelpName = "json" };
        var cron = new Option<string?>("--cron") { Description = "A cron expression: 5 fields, 6 with seconds first, or @daily...", HelpName = "expression" };
        var every = new Option<string?>("--every") { Description = "An interval instead, hh:mm:ss (at least 1 second)", HelpName = "interval" };
        var zone = new Option<string?>("--time-zone") { Description = "The cron expression's time zone (IANA id); default UTC", HelpName = "id" };
        var queue = new Option<string?>("--queue") { Description = "The queue to send to; default the task's", HelpName = "queue" };
        var overlap = new Option<OverlapPolicy>("--overlap") { Description = "Skip (default), BufferOne, BufferAll, CancelOther, AllowAll", DefaultValueFactory = _ => OverlapPolicy.Skip };
        var catchUp = new Option<CatchUpPolicy>("--catch-up") { Description = "RunOnce (default), Skip, RunAll", DefaultValueFactory = _ => CatchUpPolicy.RunOnce };
        var window = new Option<string?>("--catch-up-window") { Description = "With RunAll: how far back, hh:mm:ss or d.hh:mm:ss; default 1 day", HelpName = "interval" };
        var replace = new Option<bool>("--replace") { Description = "Change the schedule of this name if it exists" };
        var json = JsonOption.Create();
        var command = new Command("add", "Add a schedule to the state store (the active scheduler fires it from its next tick)") { name, task, args, cron, every, zone, queue, overlap, catchUp, window, replace, json };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(cron) is null) == (result.GetValue(every) is null))
            {
                result.AddError("schedules add takes --cron <expression> or --every <interval>, not both and not neither.");
            }
        });
        command.SetAction(CliContext.Run(async context =>
        {
            var key = context.Parse.GetValue(name)!;
            ScheduleDefinition definition;
            try
            {
                definition = new ScheduleDefinition
                {
                    Name = key,
                    TaskName = context.Parse.GetValue(task)!,
                    ArgumentsJson = context.Parse.GetValue(args)!,
                    Cron = context.Parse.GetValue(cron),
                    Every = Interval(context.Parse.GetValue(every), "--every"),
                    TimeZone = context.Parse.GetValue(zone),
                    Queue = context.Parse.GetValue(queue),
                    Overlap = context.Parse.GetValue(overlap),
                    CatchUp = context.Parse.GetValue(catchUp),
                    CatchUpWindow = Interval(context.Parse.GetValue(window), "--catch-up-window") ?? TimeSpan.FromDays(1),
                };
                definition.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message, ex);
            }

            var exists = await context.Schedules.GetAsync(key, context.CancellationToken).ConfigureAwait(false) is not null;
            if (exists && !context.Parse.GetValue(replace))
            {
                return CliContext.Error($"a schedule named '{key}' exists; pass --replace to change it.", ExitCodes.Failed);
            }

            var stored = exists
                ? await context.Schedules.UpdateAsync(definition, context.CancellationToken).ConfigureAwait(false)
                : await context.Schedules.AddAsync(definition, context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(ScheduleView.Json(stored));
            }
            else
            {
                context.Out.WriteLine($"schedule '{key}' {(exists ? "changed" : "added")}: {ScheduleView.Timing(stored.Definition)}, next fire {ScheduleView.Time(stored.NextFireAt)}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static TimeSpan? Interval(string? text, string flag) =>
        text is null ? null
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var interval) ? interval
        : throw new CliException($"{flag}: '{text}' is not an interval; write hh:mm:ss (00:05:00) or d.hh:mm:ss.");
}
