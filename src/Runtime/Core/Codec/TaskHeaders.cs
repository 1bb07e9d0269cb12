using System;
using System.Collections.Generic;
using TaskFlow.Protocol;

namespace TaskFlow.Core;

/// <summary>
/// The headers of one received task message, decoded once when it arrives (never re-parsed on access): what the
/// executor, the settlement policy and the state recorder read. <see cref="Raw"/> is the transport's own view, for
/// the task's <see cref="TaskContext.Headers"/> and for sending the message round again unchanged.
/// </summary>
internal sealed record TaskHeaders(
    string Id,
    string TaskName,
    int Retries,
    string? RootId,
    string? ParentId,
    DateTimeOffset? Eta,
    DateTimeOffset? Expires,
    TimeSpan? SoftTimeLimit,
    TimeSpan? TimeLimit,
    string? EntityKey,
    bool IgnoreResult,
    IReadOnlyDictionary<string, object?> Raw)
{
    /// <summary>
    /// Deliveries of this task before this one that did not end in a retry: earlier copies' redeliveries (TaskFlow's
    /// <c>x-taskflow-redeliveries</c>, carried on every re-send) plus this message's own (a quorum queue's
    /// <c>x-delivery-count</c>, else 1 when the <c>redelivered</c> flag is set).
    /// </summary>
    public int Redeliveries { get; init; }

    /// <summary>
    /// The message is a dead letter TaskFlow wrote (it carries <c>x-taskflow-reason</c>) that has been moved back to a
    /// work queue: a re-drive. With a state store the task's final failed or dead-lettered record is reopened for it.
    /// </summary>
    public bool IsRedrive { get; init; }

    /// <summary>The resource whose permits limit this task's concurrency (<see cref="MessageHeaders.ConcurrencyKey"/>), when the sender gave one.</summary>
    public string? ConcurrencyKey { get; init; }

    /// <summary>The key whose rate limits this task (<see cref="MessageHeaders.RateLimitKey"/>), when the sender gave one.</summary>
    public string? RateLimitKey { get; init; }

    /// <summary>The key this task is ordered by (<see cref="MessageHeaders.OrderKey"/>), when it was sent ordered.</summary>
    public string? OrderKey { get; init; }

    /// <summary>The rate-limit slot this message reserved before it was sent round to wait (<see cref="MessageHeaders.RateSlot"/>).</summary>
    public DateTimeOffset? RateSlot { get; init; }

    /// <summary>
    /// When the message became due in its queue (<see cref="MessageHeaders.SentAt"/>, milliseconds since the Unix epoch), or
    /// <c>null</c> when it does not tell (sent by Celery, or by an older TaskFlow).
    /// </summary>
    public long? SentAt { get; init; }

    /// <summary>Runs before this one as far as the message tells: <see cref="Retries"/> + <see cref="Redeliveries"/>.</summary>
    public int RunsBefore => Retries + Redeliveries;

    /// <summary>Decodes the headers; <c>null</c> when the required <c>task</c> and <c>id</c> headers are missing.</summary>
    public static TaskHeaders? TryDecode(IDictionary<string, object?>? raw, bool redelivered = false)
    {
        raw ??= Empty;
        var taskName = HeaderValues.RepeatedString(raw, MessageHeaders.Task);
        var id = HeaderValues.String(raw, MessageHeaders.Id);
        if (string.IsNullOrEmpty(taskName) || string.IsNullOrEmpty(id))
        {
            return null;
        }

        var (soft, hard) = HeaderValues.TimeLimits(raw, MessageHeaders.TimeLimit);
        return new TaskHeaders(
            id,
            taskName,
            HeaderValues.Int32(raw, MessageHeaders.Retries),
            HeaderValues.StringOrSame(raw, MessageHeaders.RootId, id),
            HeaderValues.String(raw, MessageHeaders.ParentId),
            HeaderValues.Time(raw, MessageHeaders.Eta),
            HeaderValues.Time(raw, MessageHeaders.Expires),
            soft,
            hard,
            HeaderValues.String(raw, MessageHeaders.EntityKey),
            HeaderValues.Boolean(raw, MessageHeaders.IgnoreResult),
            new DecodedHeaders(raw))
        {
            Redeliveries = Math.Max(0, HeaderValues.Int32(raw, MessageHeaders.Redeliveries))
                + Math.Max(HeaderValues.Int32(raw, MessageHeaders.DeliveryCount), redelivered ? 1 : 0),
            IsRedrive = raw.ContainsKey(MessageHeaders.DeadLetterReason),
            ConcurrencyKey = HeaderValues.String(raw, MessageHeaders.ConcurrencyKey),
            OrderKey = HeaderValues.String(raw, MessageHeaders.OrderKey),
            RateLimitKey = HeaderValues.String(raw, MessageHeaders.RateLimitKey),
            RateSlot = HeaderValues.Time(raw, MessageHeaders.RateSlot),
            SentAt = HeaderValues.Int64(raw, MessageHeaders.SentAt),
        };
    }

    private static readonly Dictionary<string, object?> Empty = new(StringComparer.Ordinal);
}
