using System;

namespace TaskFlow.Scheduling;

/// <summary>One recorded fire of a schedule.</summary>
/// <param name="Schedule">The schedule's name.</param>
/// <param name="TaskId">The fire's task id, derived from the schedule's name and <paramref name="FireAt"/>: a fire recorded twice is rejected by this key.</param>
/// <param name="FireAt">The fire's time in the schedule's timing (for a triggered fire: when it was triggered).</param>
/// <param name="Status">What became of it.</param>
/// <param name="RecordedAt">When the scheduler recorded it (later than <paramref name="FireAt"/> by the scheduler's delay).</param>
/// <param name="SentAt">When its task was written to the outbox (a buffered fire: later), or <see langword="null"/>.</param>
public sealed record ScheduleFire(string Schedule, string TaskId, DateTimeOffset FireAt, ScheduleFireStatus Status, DateTimeOffset RecordedAt, DateTimeOffset? SentAt);
