using System;
using System.ComponentModel;

namespace TaskFlow.Infrastructure;

/// <summary>
/// What became of one run of a message by <see cref="TaskMessageRunner"/>: the worker's decision (its outcome, and for
/// a retry the backoff before the next attempt), as the RabbitMQ consumer would carry it out.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TaskRunResult
{
    /// <summary>
    /// The outcome, as the <c>taskflow.task.outcome</c> metric attribute names it: <c>succeeded</c>, <c>retried</c>,
    /// <c>dead_lettered</c>, <c>expired</c>, <c>revoked</c>, <c>skipped</c>, <c>deferred</c>, <c>handed_back</c>, <c>acked</c>.
    /// </summary>
    public required string Outcome { get; init; }

    /// <summary><c>retried</c>: the backoff before the retry is due.</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary><c>retried</c>: the retry's <c>retries</c> header (1 for the first retry).</summary>
    public int Retries { get; init; }

    /// <summary><c>deferred</c>: when to run it again.</summary>
    public DateTimeOffset? DeferUntil { get; init; }

    /// <summary>What the task threw (a failure, retried or dead-lettered), if it threw.</summary>
    public Exception? Exception { get; init; }

    /// <summary><c>dead_lettered</c>: why (a <see cref="Protocol.DeadLetterReason"/> value).</summary>
    public string? Reason { get; init; }

    /// <summary><c>dead_lettered</c>: the explanation, when there is one beyond the exception.</summary>
    public string? Detail { get; init; }

    /// <summary><c>succeeded</c>: the task's return value (<c>null</c> for tasks without one).</summary>
    public object? Result { get; init; }

    /// <summary>Whether the task reached a final state (not retried, deferred or handed back).</summary>
    public bool IsFinal => Outcome is not ("retried" or "deferred" or "handed_back");
}
