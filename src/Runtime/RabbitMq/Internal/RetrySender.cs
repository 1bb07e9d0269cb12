using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskFlow.Core;
using TaskFlow.Protocol;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Sends a received message round again: as a retry (same task id, <c>retries</c> + 1, after a backoff) or, for a
/// message that arrived before its ETA, unchanged through the delay levels. The consumer acks the original only
/// after this returned (the copy was confirmed): a crash in between may duplicate, never lose.
/// </summary>
internal sealed class RetrySender
{
    private readonly RabbitMqSender _sender;
    private readonly TimeProvider _time;

    public RetrySender(RabbitMqSender sender, TimeProvider time)
    {
        _sender = sender;
        _time = time;
    }

    public ValueTask RetryAsync(string queue, IReadOnlyBasicProperties original, ReadOnlyMemory<byte> body, in Settlement settlement, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var eta = settlement.Delay > TimeSpan.Zero ? now + settlement.Delay : (DateTimeOffset?)null;
        var headers = MessageCopy.Headers(original, settlement.Redeliveries);
        headers[MessageHeaders.Retries] = settlement.Retries;
        if (eta is { } due)
        {
            headers[MessageHeaders.Eta] = TaskEnvelope.FormatTime(due);
        }
        else
        {
            // Left out rather than null, as on a first send: a header costs the broker CPU on every publish.
            headers.Remove(MessageHeaders.Eta);
        }

        if (!headers.ContainsKey(MessageHeaders.FirstFailedAt))
        {
            headers[MessageHeaders.FirstFailedAt] = TaskEnvelope.FormatTime(now);
        }

        if (settlement.Exception is { } exception)
        {
            var summary = SettlementPolicy.Summary(exception);
            headers[MessageHeaders.LastException] = summary.Length <= 1024 ? summary : summary[..1024] + "...";
        }

        return _sender.RouteAsync(queue, MessageCopy.Properties(original, headers), body, eta, settlement.TaskName, canLeaveHeld: false, cancellationToken);
    }

    public ValueTask DeferAsync(string queue, IReadOnlyBasicProperties original, ReadOnlyMemory<byte> body, in Settlement settlement, CancellationToken cancellationToken)
    {
        var headers = MessageCopy.Headers(original, settlement.Redeliveries);
        if (settlement.RateSlot is { } slot)
        {
            // The reservation travels with the copy: on arrival the task runs without asking the store again.
            headers[MessageHeaders.RateSlot] = TaskEnvelope.FormatTime(slot);
        }

        return _sender.RouteAsync(queue, MessageCopy.Properties(original, headers), body, settlement.Until, settlement.TaskName, canLeaveHeld: false, cancellationToken);
    }
}
