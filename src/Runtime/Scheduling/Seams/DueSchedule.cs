using System;
using System.Collections.Generic;

namespace TaskFlow.Scheduling;

/// <summary>A schedule with a fire due or a buffered fire, read with its last fire's task state.</summary>
/// <param name="Definition">The schedule.</param>
/// <param name="Version">Its row version: a step applies only if nobody changed the schedule meanwhile.</param>
/// <param name="NextFireAt">Its next fire.</param>
/// <param name="LastTaskId">The task id of its last fire sent.</param>
/// <param name="LastTaskFinal">Whether that task reached a final state (or is unknown to the store: never recorded, or expired).</param>
/// <param name="Buffered">How many fires wait.</param>
/// <param name="OldestBufferedAt">The fire time of the oldest waiting fire.</param>
internal sealed record DueSchedule(
    ScheduleDefinition Definition,
    long Version,
    DateTimeOffset? NextFireAt,
    string? LastTaskId,
    bool LastTaskFinal,
    int Buffered,
    DateTimeOffset? OldestBufferedAt);

/// <summary>The due schedules of one tick and the earliest next fire of every active schedule (when to look again).</summary>
internal sealed record DueSchedules(IReadOnlyList<DueSchedule> Schedules, DateTimeOffset? EarliestNextFire);
