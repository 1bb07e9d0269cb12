using System;
using System.Text;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Delays without the delayed-message plugin and without holding messages in worker memory: a fixed set
/// of delay levels, each a durable quorum queue whose message TTL is <see cref="Resolution"/> x 2^level and
/// whose dead-letter exchange is the next lower level. A delay is written in binary in the routing key
/// (<c>b27.b26.….b0.queue</c>); each level's topic exchange sends the message into its queue when the
/// level's bit is 1 and straight on to the next level when it is 0. After level 0 the delivery exchange
/// routes it by the queue name at the end of the key. The same scheme NServiceBus and Celery 5.5 use.
/// See docs/delays.md.
/// </summary>
internal static class DelayLevels
{
    /// <summary>Number of levels.</summary>
    public const int Count = 28;

    /// <summary>The smallest delay step: delays are rounded up to a multiple of it.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest delay the levels carry: (2^28 - 1) x 10 ms, about 31 days.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromTicks(Resolution.Ticks * ((1L << Count) - 1));

    public static string ExchangeName(string prefix, int level) => $"{prefix}.{level:00}";

    public static string QueueName(string prefix, int level) => ExchangeName(prefix, level);

    public static string DeliveryExchangeName(string prefix) => prefix + ".delivery";

    public static TimeSpan Ttl(int level) => TimeSpan.FromTicks(Resolution.Ticks << level);

    /// <summary>The delay in resolution steps, rounded up; 0 when there is nothing to wait.</summary>
    public static long Steps(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return 0;
        }

        if (delay > MaxDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay,
                $"TaskFlow: a delay of {delay} is longer than the {MaxDelay.TotalDays:F1} days the broker's delay levels can carry; store the task and send it later instead.");
        }

        return (delay.Ticks + Resolution.Ticks - 1) / Resolution.Ticks;
    }

    /// <summary>The routing key: the level bits from the highest level down, then the target queue.</summary>
    public static string RoutingKey(long steps, string queue)
    {
        var builder = new StringBuilder((Count * 2) + queue.Length);
        for (var level = Count - 1; level >= 0; level--)
        {
            builder.Append((steps >> level & 1) == 1 ? '1' : '0').Append('.');
        }

        return builder.Append(queue).ToString();
    }

    /// <summary>Binding of a level's own queue: any key whose bit for this level is 1.</summary>
    public static string LevelBinding(int level, char bit) => new StringBuilder().Insert(0, "*.", Count - 1 - level).Append(bit).Append(".#").ToString();

    /// <summary>Binding of a target queue on the delivery exchange: exactly <see cref="Count"/> bits, then the queue name.</summary>
    public static string DeliveryBinding(string queue) => new StringBuilder().Insert(0, "*.", Count).Append(queue).ToString();
}
