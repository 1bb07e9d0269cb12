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

    /// <summary>
    /// The task that sent this one (Celery's <c>parent_id</c>), when it was sent from inside a running task or with
    /// <see cref="SendOptions.ParentId"/>; <c>null</c> for a task sent from outside any task.
    /// </summary>
    public string? ParentId { get; init; }

    /// <summary>
    /// The first task of the tree this one belongs to (Celery's <c>root_id</c>); <c>null</c> when the task is a root
    /// itself (its own root: sent from outside any task) or the sender did not say.
    /// </summary>
    public string? RootId { get; init; }

    /// <summary>
    /// The task's arguments as display text, as the state store keeps them to search (<c>TaskQuery.ArgumentsContains</c>):
    /// Celery's <c>argsrepr</c> (and <c>kwargsrepr</c> when it is not <c>{}</c>), with <c>[Sensitive]</c> arguments as
    /// <c>***</c>, at most 1,000 characters; <c>null</c> when the message carried no <c>argsrepr</c> or its sensitive
    /// arguments could not be redacted, and for records written before schema version 11.
    /// </summary>
    public string? Arguments { get; init; }

    /// <summary>
    /// The W3C trace id of the task's message (from its <c>traceparent</c> header: 32 hexadecimal digits), kept with the
    /// task's first record; <c>null</c> when the message carried none (no tracing listener at send), and for records written
    /// before schema version 13.
    /// </summary>
    public string? TraceId { get; init; }

    /// <summary>
    /// The task's message headers as the state store keeps them with its first record (schema version 13), by name: values as
    /// text, <c>argsrepr</c> and <c>kwargsrepr</c> with <c>[Sensitive]</c> arguments as <c>***</c>, each value at most 500
    /// characters and the whole at most 4,000 (the headers left out are counted under <c>(left out)</c>); empty for records
    /// written before version 13 or without a message (a revoke of an unknown id).
    /// </summary>
    public System.Collections.Generic.IReadOnlyDictionary<string, string?> Headers { get; init; } = System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty;

    /// <summary>Whether the task is in a final state.</summary>
    public bool IsFinal => State.IsFinal();
}
