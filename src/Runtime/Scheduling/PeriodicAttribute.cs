using System;

namespace TaskFlow.Scheduling;

/// <summary>
/// Runs a <c>[Task]</c> on a schedule: a cron expression (<c>[Periodic("*/5 * * * *", TimeZone = "Europe/Paris")]</c>)
/// or an interval (<c>[Periodic(Every = "00:05:00")]</c>). The generated <c>Add{Assembly}Tasks()</c> registers it; a
/// process with <c>AddScheduler()</c> stores it and fires it. The task takes no arguments, or constant ones through
/// <see cref="Arguments"/>. Invalid expressions, intervals and time zones are compile-time errors (TF1013).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class PeriodicAttribute : Attribute
{
    /// <summary>A schedule with an interval (<see cref="Every"/>) instead of a cron expression.</summary>
    public PeriodicAttribute()
    {
    }

    /// <summary>A schedule with a cron expression: 5 fields, 6 with seconds first, or a macro (<c>@daily</c>).</summary>
    /// <param name="cron">The cron expression (Cronos syntax).</param>
    public PeriodicAttribute(string cron)
    {
        Cron = cron;
    }

    /// <summary>The cron expression, or <see langword="null"/> with <see cref="Every"/>.</summary>
    public string? Cron { get; }

    /// <summary>An interval written as a time span (<c>"00:05:00"</c>), at least 1 second; instead of a cron expression.</summary>
    public string? Every { get; set; }

    /// <summary>The time zone of the cron expression (IANA id, e.g. <c>Europe/Paris</c>); default UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The schedule's name; default the task's name. Needed to tell several <c>[Periodic]</c> of one task apart.</summary>
    public string? Name { get; set; }

    /// <summary>The task's arguments, constants in the order of its parameters.</summary>
    public object?[]? Arguments { get; set; }

    /// <summary>What a fire does while the previous one is not final. Default <see cref="OverlapPolicy.Skip"/>.</summary>
    public OverlapPolicy Overlap { get; set; }

    /// <summary>What happens to fires missed while no scheduler ran. Default <see cref="CatchUpPolicy.RunOnce"/>.</summary>
    public CatchUpPolicy CatchUp { get; set; }

    /// <summary>With <see cref="CatchUpPolicy.RunAll"/>: how far back, as a time span (<c>"06:00:00"</c>); default 1 day.</summary>
    public string? CatchUpWindow { get; set; }
}
