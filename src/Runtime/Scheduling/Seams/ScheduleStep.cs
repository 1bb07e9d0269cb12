using System;
using System.Collections.Generic;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling;

/// <summary>One planned fire of a step.</summary>
/// <param name="TaskId">Its task id (<see cref="ScheduleIds"/>).</param>
/// <param name="FireAt">Its fire time.</param>
/// <param name="Status">Sent (outbox row written), skipped or buffered.</param>
internal sealed record PlannedFire(string TaskId, DateTimeOffset FireAt, ScheduleFireStatus Status);

/// <summary>
/// What one tick decided for one schedule, applied by the store in one transaction: the fence check, the schedule's
/// new position (only if its <see cref="Version"/> is unchanged), the fire records, the outbox rows of the sent fires
/// (a released buffered fire included), and the revokes of <see cref="OverlapPolicy.CancelOther"/>.
/// </summary>
internal sealed record ScheduleStep(
    ScheduleDefinition Definition,
    TaskDescriptor Task,
    long Version,
    DateTimeOffset? NextFireAt,
    IReadOnlyList<PlannedFire> Fires,
    PlannedFire? ReleasedBuffered,
    IReadOnlyList<string> Revoke,
    string? LastTaskId,
    DateTimeOffset? LastFireAt,
    int Buffered,
    int Missed)
{
    /// <summary>Whether anything changes.</summary>
    public bool IsEmpty(DueSchedule before) =>
        Fires.Count == 0 && ReleasedBuffered is null && Revoke.Count == 0 && NextFireAt == before.NextFireAt && Buffered == before.Buffered;
}

/// <summary>How a step ended.</summary>
internal enum StepOutcome
{
    /// <summary>Committed.</summary>
    Applied,

    /// <summary>Rolled back: the lease is no longer this holder's (expired or taken over).</summary>
    Fenced,

    /// <summary>Rolled back: the schedule changed meanwhile (edited, deleted, paused) or a fire was already recorded; read again next tick.</summary>
    Conflict,
}
