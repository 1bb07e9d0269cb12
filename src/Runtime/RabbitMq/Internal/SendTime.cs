using System;
using RabbitMQ.Client;
using TaskFlow.Protocol;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Stamps a message with the time it becomes due in its queue, just before it is published: the AMQP <c>timestamp</c>
/// property (Unix seconds: what RabbitMQ's management API reports as the queue head's timestamp, so the age of the
/// oldest message can be told) and the <see cref="MessageHeaders.SentAt"/> header (milliseconds: the worker's queue
/// wait). Every publish stamps its own, copies too (a retry's queue wait runs from the retry, a re-driven dead letter's
/// from the re-drive). A message published through the delay levels is due at its ETA, so that its time in the delay
/// levels does not count as waiting. A copy keeps the first stamp of its task in <see cref="MessageHeaders.FirstSentAt"/>.
/// </summary>
internal static class SendTime
{
    /// <summary>Stamps <paramref name="properties"/> (whose headers are this message's own) with <paramref name="due"/>.</summary>
    public static void Stamp(BasicProperties properties, DateTimeOffset due)
    {
        properties.Timestamp = new AmqpTimestamp(due.ToUnixTimeSeconds());
        if (properties.Headers is { } headers)
        {
            if (headers.TryGetValue(MessageHeaders.SentAt, out var first) && first is not null && !headers.ContainsKey(MessageHeaders.FirstSentAt))
            {
                headers[MessageHeaders.FirstSentAt] = first;
            }

            headers[MessageHeaders.SentAt] = Boxed(due.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>
    /// The milliseconds boxed, the box shared by the messages stamped in the same millisecond (tens of them when
    /// publishing fast): a boxed number is never changed, and RabbitMQ.Client only reads header values.
    /// </summary>
    internal static object Boxed(long milliseconds)
    {
        var last = t_last;
        if (last is not null && (long)last == milliseconds)
        {
            return last;
        }

        object boxed = milliseconds;
        t_last = boxed;
        return boxed;
    }

    [ThreadStatic]
    private static object? t_last;
}
