using System;
using System.Collections.Generic;
using RabbitMQ.Client;
using TaskFlow.Protocol;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>Copies of a received message's properties for sending it round again (retry, defer, dead letter).</summary>
internal static class MessageCopy
{
    /// <summary>
    /// The original headers without the broker's dead-letter history. A message that has been through the
    /// delay levels carries <c>x-death</c> entries for them; sent through the same levels again, RabbitMQ
    /// would take it for a dead-letter cycle and silently drop it. Also without the quorum queue's
    /// <c>x-delivery-count</c> (a copy is a new message) and RabbitMQ.Client's internal <c>x-dotnet-pub-seq-no</c>;
    /// the redeliveries the original had are carried in <c>x-taskflow-redeliveries</c> so attempt counts survive.
    /// </summary>
    public static Dictionary<string, object?> Headers(IReadOnlyBasicProperties original, int redeliveries)
    {
        var headers = new Dictionary<string, object?>(original.Headers?.Count ?? 0, StringComparer.Ordinal);
        if (original.Headers is { } source)
        {
            foreach (var (key, value) in source)
            {
                if (!key.StartsWith("x-death", StringComparison.Ordinal)
                    && !key.StartsWith("x-first-death-", StringComparison.Ordinal)
                    && !key.StartsWith("x-last-death-", StringComparison.Ordinal)
                    && key != MessageHeaders.DeliveryCount
                    && key != MessageHeaders.PublishSequenceNumber
                    && key != MessageHeaders.Redeliveries)
                {
                    headers[key] = value;
                }
            }
        }

        if (redeliveries > 0)
        {
            headers[MessageHeaders.Redeliveries] = redeliveries;
        }

        return headers;
    }

    public static BasicProperties Properties(IReadOnlyBasicProperties original, Dictionary<string, object?> headers)
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
