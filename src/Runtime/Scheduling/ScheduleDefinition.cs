using System;
using System.Text.Json;
using TaskFlow.Scheduling.Internal;

namespace TaskFlow.Scheduling;

/// <summary>
/// A schedule as the state store keeps it: which task with which arguments, when (a cron expression or an interval, in
/// a time zone), and its overlap and catch-up policies. Code declares schedules with <see cref="PeriodicAttribute"/> or
/// <c>AddSchedule</c>; <see cref="ISchedules"/> and <c>taskflow schedules</c> add and change them at run time.
/// </summary>
public sealed class ScheduleDefinition
{
    /// <summary>The schedule's unique name (1 to 200 characters). Fire task ids derive from it.</summary>
    public required string Name { get; init; }

    /// <summary>The task's name (<c>[Task(Name = ...)]</c>, e.g. <c>notes.notes_tasks.cleanup</c>).</summary>
    public required string TaskName { get; init; }

    /// <summary>The task's positional arguments as a JSON array, as the message's <c>args</c> carry them. Default <c>[]</c>.</summary>
    public string ArgumentsJson { get; init; } = "[]";

    /// <summary>The queue to send to; <see langword="null"/> (default): the task's queue, else the default queue.</summary>
    public string? Queue { get; init; }

    /// <summary>
    /// A cron expression (Cronos syntax): 5 fields (minute hour day month weekday) or 6 with seconds first
    /// (<c>*/10 * * * * *</c>), or a macro (<c>@daily</c>, <c>@hourly</c>, <c>@every_minute</c>...). Set this or <see cref="Every"/>.
    /// </summary>
    public string? Cron { get; init; }

    /// <summary>An interval (at least 1 second): fires at every multiple of it since 1970-01-01 UTC, so every scheduler computes the same fire times. Set this or <see cref="Cron"/>.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>The time zone the cron expression is read in (IANA or Windows id, e.g. <c>Europe/Paris</c>); <see langword="null"/> (default): UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>What a fire does while the previous fire's task is not final. Default <see cref="OverlapPolicy.Skip"/>.</summary>
    public OverlapPolicy Overlap { get; init; } = OverlapPolicy.Skip;

    /// <summary>What happens to fires missed while no scheduler ran. Default <see cref="CatchUpPolicy.RunOnce"/>.</summary>
    public CatchUpPolicy CatchUp { get; init; } = CatchUpPolicy.RunOnce;

    /// <summary>With <see cref="CatchUpPolicy.RunAll"/>: how far back missed fires are run. Default 1 day.</summary>
    public TimeSpan CatchUpWindow { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Throws <see cref="ArgumentException"/> saying what to change when the definition cannot be scheduled.</summary>
    /// <exception cref="ArgumentException">A field is missing or invalid (bad cron expression, unknown time zone, arguments not a JSON array...).</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
        {
            throw new ArgumentException($"TaskFlow: a schedule's name must be 1 to 200 characters long; got '{Name}'.", nameof(Name));
        }

        if (string.IsNullOrWhiteSpace(TaskName) || TaskName.Length > 255)
        {
            throw new ArgumentException($"TaskFlow: schedule '{Name}' needs the name of its task (1 to 255 characters).", nameof(TaskName));
        }

        if (Queue is { Length: 0 or > 255 })
        {
            throw new ArgumentException($"TaskFlow: schedule '{Name}': the queue name must be 1 to 255 characters long, or null for the task's queue.", nameof(Queue));
        }

        try
        {
            using var document = JsonDocument.Parse(ArgumentsJson ?? string.Empty);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ArgumentException($"TaskFlow: schedule '{Name}': the arguments must be a JSON array (the task's positional arguments), e.g. [\"eu\", 3]; got {document.RootElement.ValueKind}.", nameof(ArgumentsJson));
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"TaskFlow: schedule '{Name}': the arguments are not valid JSON ({ex.Message}); write them as a JSON array, e.g. [\"eu\", 3].", nameof(ArgumentsJson), ex);
        }

        if (CatchUpWindow <= TimeSpan.Zero)
        {
            throw new ArgumentException($"TaskFlow: schedule '{Name}': CatchUpWindow must be positive; got {CatchUpWindow}.", nameof(CatchUpWindow));
        }

        if (!Enum.IsDefined(Overlap) || !Enum.IsDefined(CatchUp))
        {
            throw new ArgumentException($"TaskFlow: schedule '{Name}': unknown overlap ({(int)Overlap}) or catch-up ({(int)CatchUp}) policy.", nameof(Overlap));
        }

        _ = ScheduleTiming.Parse(Name, Cron, Every, TimeZone);
    }

    /// <summary>A copy with other values (the API's changes).</summary>
    internal ScheduleDefinition With(string? cron = null, TimeSpan? every = null, bool timingSet = false, string? timeZone = null, bool timeZoneSet = false,
        OverlapPolicy? overlap = null, CatchUpPolicy? catchUp = null, TimeSpan? catchUpWindow = null, string? argumentsJson = null) => new()
    {
        Name = Name,
        TaskName = TaskName,
        ArgumentsJson = argumentsJson ?? ArgumentsJson,
        Queue = Queue,
        Cron = timingSet ? cron : Cron,
        Every = timingSet ? every : Every,
        TimeZone = timeZoneSet ? timeZone : TimeZone,
        Overlap = overlap ?? Overlap,
        CatchUp = catchUp ?? CatchUp,
        CatchUpWindow = catchUpWindow ?? CatchUpWindow,
    };

    /// <summary>Whether <paramref name="other"/> schedules the same thing (every field equal).</summary>
    internal bool SameAs(ScheduleDefinition other) =>
        Name == other.Name && TaskName == other.TaskName && ArgumentsJson == other.ArgumentsJson && Queue == other.Queue && Cron == other.Cron
        && Every == other.Every && TimeZone == other.TimeZone && Overlap == other.Overlap && CatchUp == other.CatchUp && CatchUpWindow == other.CatchUpWindow;

    /// <summary>Whether the fire times differ (the next fire is computed again).</summary>
    internal bool TimingDiffers(ScheduleDefinition other) => Cron != other.Cron || Every != other.Every || TimeZone != other.TimeZone;
}
