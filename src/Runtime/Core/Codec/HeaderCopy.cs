using System;
using System.Collections.Generic;
using TaskFlow.Protocol;

namespace TaskFlow.Core;

/// <summary>The headers of a received message as a copy of it is sent with (retry, defer, dead letter, a lease's re-send).</summary>
internal static class HeaderCopy
{
    /// <summary>
    /// <paramref name="source"/> without the broker's dead-letter history (a message that has been through the delay
    /// levels carries <c>x-death</c> entries for them; sent through the same levels again, RabbitMQ would take it for a
    /// dead-letter cycle and silently drop it), without the quorum queue's <c>x-delivery-count</c> (a copy is a new
    /// message) and RabbitMQ.Client's internal <c>x-dotnet-pub-seq-no</c>. The redeliveries the original had are carried
    /// in <c>x-taskflow-redeliveries</c>, so attempt counts survive the copy. A rate-limit reservation
    /// (<c>x-taskflow-rate-slot</c>) is dropped too: a deferral sets its own, a retry waits its turn anew.
    /// </summary>
    public static Dictionary<string, object?> Of(IEnumerable<KeyValuePair<string, object?>>? source, int redeliveries, int capacity = 0)
    {
        var headers = new Dictionary<string, object?>(capacity, StringComparer.Ordinal);
        if (source is not null)
        {
            foreach (var (key, value) in source)
            {
                if (!key.StartsWith("x-death", StringComparison.Ordinal)
                    && !key.StartsWith("x-first-death-", StringComparison.Ordinal)
                    && !key.StartsWith("x-last-death-", StringComparison.Ordinal)
                    && key != MessageHeaders.DeliveryCount
                    && key != MessageHeaders.PublishSequenceNumber
                    && key != MessageHeaders.Redeliveries
                    && key != MessageHeaders.RateSlot)
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
}
