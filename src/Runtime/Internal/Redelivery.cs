using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Protocol;

namespace TaskFlow.Internal;

/// <summary>
/// Sends a received message round again: as a retry (same task id, <c>retries</c> + 1, after a backoff) or,
/// for a message that arrived before its ETA, unchanged through the delay levels. The caller acks the
/// original only after this returned (the copy was confirmed): a crash in between may duplicate, never lose.
/// </summary>
internal sealed class Redelivery
{
    private readonly MessageRouter _router;
    private readonly TimeProvider _time;

    public Redelivery(MessageRouter router, TimeProvider time)
    {
        _router = router;
        _time = time;
    }

    public ValueTask RetryAsync(string queue, string taskName, IReadOnlyBasicProperties original, ReadOnlyMemory<byte> body, int retries, TimeSpan delay, Exception exception, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var eta = delay > TimeSpan.Zero ? now + delay : (DateTimeOffset?)null;
        var headers = Copy(original);
        headers[CeleryHeaders.Retries] = retries;
        headers[CeleryHeaders.Eta] = eta is { } due ? TaskEnvelope.FormatTime(due) : null;
        if (!headers.ContainsKey(CeleryHeaders.FirstFailedAt))
        {
            headers[CeleryHeaders.FirstFailedAt] = TaskEnvelope.FormatTime(now);
        }

        var summary = exception.GetType().FullName + ": " + exception.Message;
        headers[CeleryHeaders.LastException] = summary.Length <= 1024 ? summary : summary[..1024] + "...";
        return _router.SendAsync(queue, CopyProperties(original, headers), body, eta, taskName, cancellationToken);
    }

    public ValueTask DeferAsync(string queue, string taskName, IReadOnlyBasicProperties original, ReadOnlyMemory<byte> body, DateTimeOffset eta, CancellationToken cancellationToken) =>
        _router.SendAsync(queue, CopyProperties(original, Copy(original)), body, eta, taskName, cancellationToken);

    /// <summary>
    /// The original headers without the broker's dead-letter history. A message that has been through the
    /// delay levels carries <c>x-death</c> entries for them; sent through the same levels again, RabbitMQ
    /// would take it for a dead-letter cycle and silently drop it.
    /// </summary>
    internal static Dictionary<string, object?> Copy(IReadOnlyBasicProperties original)
    {
        var headers = new Dictionary<string, object?>(original.Headers?.Count ?? 0, StringComparer.Ordinal);
        if (original.Headers is { } source)
        {
            foreach (var (key, value) in source)
            {
                if (!key.StartsWith("x-death", StringComparison.Ordinal)
                    && !key.StartsWith("x-first-death-", StringComparison.Ordinal)
                    && !key.StartsWith("x-last-death-", StringComparison.Ordinal))
                {
                    headers[key] = value;
                }
            }
        }

        return headers;
    }

    internal static BasicProperties CopyProperties(IReadOnlyBasicProperties original, Dictionary<string, object?> headers)
    {
        var properties = new BasicProperties
        {
            ContentType = original.ContentType,
            ContentEncoding = original.ContentEncoding,
            CorrelationId = original.CorrelationId,
            MessageId = original.MessageId,
            ReplyTo = original.ReplyTo,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = headers!,
        };
        if (original.IsPriorityPresent())
        {
            properties.Priority = original.Priority;
        }

        return properties;
    }
}
