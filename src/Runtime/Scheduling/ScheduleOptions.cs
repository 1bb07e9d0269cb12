using System;

namespace TaskFlow.Scheduling;

/// <summary>The timing and policies of a schedule registered in code with <c>AddSchedule</c>.</summary>
public sealed class ScheduleOptions
{
    /// <summary>A cron expression (5 fields, 6 with seconds first, or a macro). Set this or <see cref="Every"/>.</summary>
    public string? Cron { get; set; }

    /// <summary>An interval of at least 1 second. Set this or <see cref="Cron"/>.</summary>
    public TimeSpan? Every { get; set; }

    /// <summary>The cron expression's time zone (IANA id); default UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The overlap policy. Default <see cref="OverlapPolicy.Skip"/>.</summary>
    public OverlapPolicy Overlap { get; set; }

    /// <summary>The catch-up policy. Default <see cref="CatchUpPolicy.RunOnce"/>.</summary>
    public CatchUpPolicy CatchUp { get; set; }

    /// <summary>With <see cref="CatchUpPolicy.RunAll"/>: how far back. Default 1 day.</summary>
    public TimeSpan CatchUpWindow { get; set; } = TimeSpan.FromDays(1);
}
