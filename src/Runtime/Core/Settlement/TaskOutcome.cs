using System;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>What happened to one message in the executor; <see cref="SettlementPolicy"/> turns it into a <see cref="Settlement"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Task">The task, when the message named a registered one.</param>
/// <param name="Result">The task's return value (succeeded).</param>
/// <param name="Exception">What the task threw (failed), or why its arguments did not bind (rejected).</param>
/// <param name="Reason">A <see cref="Protocol.DeadLetterReason"/> (rejected).</param>
/// <param name="Detail">A human-readable explanation.</param>
/// <param name="Recorded">The final state is already committed (atomic task work): record nothing more.</param>
internal readonly record struct TaskOutcome(TaskOutcomeKind Kind, TaskDescriptor? Task = null, object? Result = null, Exception? Exception = null, string? Reason = null, string? Detail = null, bool Recorded = false)
{
    /// <summary>Deferred: when to look at the message again (<c>null</c>: its ETA).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Deferred because a run of the same task is still in progress in this worker (a redelivered copy), not for its ETA or a limit.</summary>
    public bool CopyOfRunning { get; init; }

    /// <summary>Deferred: the rate-limit slot the task reserved, carried on the copy so that it runs on arrival without asking again.</summary>
    public DateTimeOffset? RateSlot { get; init; }

    /// <summary>The run held a lease (lease mode): its message is already acked; the lease is released after settlement.</summary>
    public ILeasedRun? Lease { get; init; }

    /// <summary>An ordered task's permit on its key, released by the processor once the run's state is recorded (so no other run of the key starts before it is committed).</summary>
    public ITaskLock? OrderPermit { get; init; }

    public static TaskOutcome Reject(string reason, string detail, Exception? exception = null, TaskDescriptor? task = null) =>
        new(TaskOutcomeKind.Rejected, task, Exception: exception, Reason: reason, Detail: detail);
}
