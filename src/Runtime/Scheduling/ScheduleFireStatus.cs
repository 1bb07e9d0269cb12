namespace TaskFlow.Scheduling;

/// <summary>What became of one fire of a schedule.</summary>
public enum ScheduleFireStatus
{
    /// <summary>Its task was written to the outbox (in the transaction that recorded the fire) and is sent by the relay.</summary>
    Sent = 0,

    /// <summary>Not sent: the previous fire was still running (<see cref="OverlapPolicy.Skip"/>, or a second buffered fire of <see cref="OverlapPolicy.BufferOne"/>).</summary>
    Skipped = 1,

    /// <summary>Waiting for the previous fire to reach a final state (<see cref="OverlapPolicy.BufferOne"/>, <see cref="OverlapPolicy.BufferAll"/>).</summary>
    Buffered = 2,

    /// <summary>Sent at once by <see cref="ISchedules.TriggerAsync"/> (not a fire of the schedule's timing).</summary>
    Triggered = 3,
}
