using System;
using System.Collections.Generic;
using RabbitMQ.Client;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>Copies of a received message's properties for sending it round again (retry, defer, dead letter).</summary>
internal static class MessageCopy
{
    /// <summary>The original headers as a copy is sent with (<see cref="HeaderCopy.Of"/>).</summary>
    public static Dictionary<string, object?> Headers(IReadOnlyBasicProperties original, int redeliveries) =>
        HeaderCopy.Of(original.Headers, redeliveries, original.Headers?.Count ?? 0);

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
