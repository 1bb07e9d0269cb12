using System;

namespace TaskFlow.Core;

/// <summary>
/// The decision for one received message: how the transport settles it and which state to record first. Made by
/// <see cref="SettlementPolicy"/> and executed by the RabbitMQ consumer and by eager mode alike.
/// </summary>
internal readonly record struct Settlement
{
    public SettlementKind Kind { get; init; }

    /// <summary>The task name (<c>(unknown)</c> for a message that could not be decoded).</summary>
    public string TaskName { get; init; }

    /// <summary>The task id, when known.</summary>
    public string? TaskId { get; init; }

    /// <summary>The state to record before settling, if any.</summary>
    public StateRecord? Record { get; init; }

    /// <summary>RetryAfter: the backoff before the retry arrives.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>RetryAfter: the retry's <c>retries</c> header. DeadLetter: attempts made.</summary>
    public int Retries { get; init; }

    /// <summary>DeferUntil: the message's ETA.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>DeferUntil: the rate-limit slot the task reserved (<see cref="Protocol.MessageHeaders.RateSlot"/> on the copy), if any.</summary>
    public DateTimeOffset? RateSlot { get; init; }

    /// <summary>DeadLetter: a <see cref="Protocol.DeadLetterReason"/> value.</summary>
    public string? Reason { get; init; }

    /// <summary>DeadLetter: what went wrong. When set, it is the explanation to show (the exception, if any, is only its cause).</summary>
    public string? Detail { get; init; }

    /// <summary>RetryAfter and DeadLetter: what the task threw (its type, message and stack go into headers).</summary>
    public Exception? Exception { get; init; }

    /// <summary>Copies (retry, deferral, dead letter): the broker redeliveries of the message so far, carried on the copy.</summary>
    public int Redeliveries { get; init; }

    /// <summary>The message was acked when the run started (lease mode): the transport must not ack or return it, only send the copy a retry, deferral or dead letter needs.</summary>
    public bool Acknowledged { get; init; }

    /// <summary>What became of the delivery, as the <c>taskflow.task.outcome</c> attribute names it (set by <see cref="TaskProcessor"/>).</summary>
    public string? Outcome { get; init; }

    /// <summary>Succeeded: the task's return value (for eager mode's handles and the test harness; not carried by transports).</summary>
    public object? Result { get; init; }

    /// <summary>Lease mode: the run's lease, released by the transport once the copy is sent (expired when it could not be).</summary>
    public ILeasedRun? Lease { get; init; }

    public static Settlement Ack(string taskName, string? taskId, StateRecord? record = null) =>
        new() { Kind = SettlementKind.Ack, TaskName = taskName, TaskId = taskId, Record = record };

    public static Settlement HandBack(string taskName, string? taskId) =>
        new() { Kind = SettlementKind.HandBack, TaskName = taskName, TaskId = taskId };

    public static Settlement Requeue(string taskName, string? taskId) =>
        new() { Kind = SettlementKind.Requeue, TaskName = taskName, TaskId = taskId };

    public static Settlement DeadLetter(string taskName, string? taskId, string reason, string? detail, Exception? exception, int attempts, StateRecord? record = null) =>
        new() { Kind = SettlementKind.DeadLetter, TaskName = taskName, TaskId = taskId, Reason = reason, Detail = detail, Exception = exception, Retries = attempts, Record = record };
}
