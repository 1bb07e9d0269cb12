using System;

namespace TaskFlow;

/// <summary>What the state store knows about one task.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="TaskName">The task name on the wire (<c>null</c> when the task was revoked before anything else was recorded).</param>
/// <param name="Queue">The queue it was sent to.</param>
/// <param name="State">Its state.</param>
/// <param name="EntityKey">The entity it works on (<see cref="SendOptions.EntityKey"/>), if any.</param>
/// <param name="Attempts">How many times it has started running: retries, broker redeliveries and runs cut short by a crash all count.</param>
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
    /// <summary>The task's last reported progress (<see cref="TaskContext.ReportProgressAsync"/>), if it reported any.</summary>
    public TaskProgress? Progress { get; init; }

    /// <summary>Whether the task is in a final state.</summary>
    public bool IsFinal => State.IsFinal();
}
