using System;

namespace TaskFlow;

/// <summary>
/// The state of a task in the state store. Stored as a small integer (the values below, never renumbered);
/// the view <c>taskflow.task_state_named</c> shows the names. Values of 10 and above are final: a task in a
/// final state is never run again (a redelivered message is acked and skipped).
/// </summary>
public enum TaskState
{
    /// <summary>Sent (or written to the outbox), not started yet.</summary>
    Pending = 0,

    /// <summary>A worker is running it.</summary>
    Started = 1,

    /// <summary>An attempt failed; the task was sent round again for a retry after a backoff.</summary>
    Retrying = 2,

    /// <summary>Finished; its result (if it returns one and results are kept) is stored.</summary>
    Succeeded = 10,

    /// <summary>Failed with no retries left (the message was dead-lettered with reason <c>task-failed</c> or <c>max-retries-exceeded</c>).</summary>
    Failed = 11,

    /// <summary>Revoked by id or by entity key before it ran, or while it ran (its token was cancelled).</summary>
    Revoked = 12,

    /// <summary>Arrived after its <c>expires</c> instant and was not run.</summary>
    Expired = 13,

    /// <summary>Rejected without running (unknown task, invalid arguments, bad message) and dead-lettered.</summary>
    DeadLettered = 14,
}
