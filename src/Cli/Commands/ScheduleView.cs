using System;
using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TaskFlow.Scheduling;

namespace TaskFlow.Cli.Commands;

/// <summary>How the <c>taskflow schedules</c> commands show a schedule.</summary>
internal static class ScheduleView
{
    public static string Timing(ScheduleDefinition d) =>
        (d.Cron is not null ? "cron " + d.Cron : "every " + d.Every?.ToString("c", CultureInfo.InvariantCulture)) + (d.TimeZone is null ? string.Empty : " (" + d.TimeZone + ")");

    public static string State(ScheduleInfo s) => s.Paused ? "[yellow]paused[/]" : s.NextFireAt is null ? "[grey]done[/]" : "[green]active[/]";

    public static object Json(ScheduleInfo s) => new
    {
        name = s.Name,
        task = s.Definition.TaskName,
        arguments = s.Definition.ArgumentsJson,
        queue = s.Definition.Queue,
        cron = s.Definition.Cron,
        every = s.Definition.Every?.ToString("c", CultureInfo.InvariantCulture),
        timeZone = s.Definition.TimeZone,
        overlap = s.Definition.Overlap.ToString(),
        catchUp = s.Definition.CatchUp.ToString(),
        catchUpWindow = s.Definition.CatchUpWindow.ToString("c", CultureInfo.InvariantCulture),
        source = s.Source.ToString(),
        paused = s.Paused,
        nextFireAt = s.NextFireAt,
        lastFireAt = s.LastFireAt,
        lastTaskId = s.LastTaskId,
        bufferedFires = s.BufferedFires,
        createdAt = s.CreatedAt,
        updatedAt = s.UpdatedAt,
    };

    public static Argument<string> NameArgument() => new("name") { Description = "The schedule's name (taskflow schedules list)" };

    public static int NotFound(string name) => CliContext.Error($"there is no schedule named '{name}' (taskflow schedules list shows them).", ExitCodes.Failed);

    public static void Escape(IAnsiConsole console, string label, string? value) => console.MarkupLine($"{label,-15} {Markup.Escape(value ?? "-")}");

    public static string Time(DateTimeOffset? time) => Formats.Time(time);
}
