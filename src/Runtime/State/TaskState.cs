using System;

namespace TaskFlow.State;

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

/// <summary>Helpers on <see cref="TaskState"/>.</summary>
public static class TaskStates
{
    /// <summary>Whether the state is final (the task will not run again).</summary>
    public static bool IsFinal(this TaskState state) => (int)state >= 10;

    /// <summary>The state's name as stored in the view and shown to users: <c>pending</c>, <c>dead_lettered</c>...</summary>
    public static string ToWireName(this TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.Started => "started",
        TaskState.Retrying => "retrying",
        TaskState.Succeeded => "succeeded",
        TaskState.Failed => "failed",
        TaskState.Revoked => "revoked",
        TaskState.Expired => "expired",
        TaskState.DeadLettered => "dead_lettered",
        _ => ((int)state).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>What the state store knows about one task.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="TaskName">The task name on the wire (<c>null</c> when the task was revoked before anything else was recorded).</param>
/// <param name="Queue">The queue it was sent to.</param>
/// <param name="State">Its state.</param>
/// <param name="EntityKey">The entity it works on (<see cref="TaskOptions.EntityKey"/>), if any.</param>
/// <param name="Attempts">How many times it has started.</param>
/// <param name="Worker">The worker that ran (or runs) it.</param>
/// <param name="Error">An error summary (exception type and message) for failed, retrying, revoked and dead-lettered tasks.</param>
/// <param name="ResultJson">The result as JSON, when it succeeded, returned a value and results are kept.</param>
/// <param name="CreatedAt">When the store first heard of it.</param>
/// <param name="StartedAt">When it last started.</param>
/// <param name="CompletedAt">When it reached its final state.</param>
/// <param name="UpdatedAt">The last change.</param>
/// <param name="ExpiresAt">When cleanup may delete the record.</param>
public sealed record TaskStateInfo(
    string TaskId,
    string? TaskName,
    string? Queue,
    TaskState State,
    string? EntityKey,
    int Attempts,
    string? Worker,
    string? Error,
    string? ResultJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>Whether the task is in a final state.</summary>
    public bool IsFinal => State.IsFinal();
}

/// <summary>
/// Thrown by <c>TaskHandle&lt;T&gt;.WaitAsync</c> and <c>GetResultAsync</c> when the task ended without a result:
/// failed, revoked, expired or dead-lettered.
/// </summary>
public sealed class TaskNotSucceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskNotSucceededException(TaskStateInfo info)
        : base(Describe(info))
    {
        Info = info;
    }

    /// <summary>The task's record.</summary>
    public TaskStateInfo? Info { get; }

    /// <summary>Creates the exception (serialization-free default constructors, for completeness).</summary>
    public TaskNotSucceededException() : base("TaskFlow: the task did not succeed.") { }

    /// <summary>Creates the exception.</summary>
    public TaskNotSucceededException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public TaskNotSucceededException(string message, Exception innerException) : base(message, innerException) { }

    private static string Describe(TaskStateInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Error is { Length: > 0 } error
            ? $"TaskFlow: task {info.TaskName} [{info.TaskId}] is {info.State.ToWireName()}: {error}"
            : $"TaskFlow: task {info.TaskName} [{info.TaskId}] is {info.State.ToWireName()}";
    }
}

/// <summary>
/// Thrown when an operation conflicts with an entity's pending work: a task enqueued with an
/// <see cref="TaskOptions.EntityKey"/> while the entity is locked, or <see cref="TaskStateStore.LockEntityAsync"/>
/// while tasks for the entity are still pending or running (or another lease holds it).
/// </summary>
public sealed class EntityLockedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EntityLockedException(string entityKey, string reason, System.Collections.Generic.IReadOnlyList<string>? pendingTaskIds = null)
        : base($"TaskFlow: entity '{entityKey}' is locked: {reason}")
    {
        EntityKey = entityKey;
        Reason = reason;
        PendingTaskIds = pendingTaskIds ?? Array.Empty<string>();
    }

    /// <summary>Creates the exception.</summary>
    public EntityLockedException() : this("?", "locked") { }

    /// <summary>Creates the exception.</summary>
    public EntityLockedException(string message) : this("?", message) { }

    /// <summary>Creates the exception.</summary>
    public EntityLockedException(string message, Exception innerException) : base(message, innerException)
    {
        EntityKey = "?";
        Reason = message;
        PendingTaskIds = Array.Empty<string>();
    }

    /// <summary>The entity, e.g. <c>note:42</c>.</summary>
    public string EntityKey { get; }

    /// <summary>Why: which tasks are pending, or that a lease holds it.</summary>
    public string Reason { get; }

    /// <summary>The unfinished tasks working on the entity (up to 10), when that is the reason.</summary>
    public System.Collections.Generic.IReadOnlyList<string> PendingTaskIds { get; }
}
