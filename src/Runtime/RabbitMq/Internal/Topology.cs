using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Declares TaskFlow's durable topology, idempotently: the task exchange (direct), the dead-letter
/// exchange (direct), and per TaskFlow queue a queue bound by its name plus a dead-letter queue
/// <c>{queue}.dead</c>. Names and arguments are documented in docs/topology.md.
/// </summary>
internal sealed class Topology
{
    private readonly RabbitMqOptions _options;
    private const string DelayLevelsKey = "\0delay-levels";
    private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);

    public Topology(RabbitMqOptions options)
    {
        _options = options;
    }

    public bool IsDeclared(string queue) => _declared.ContainsKey(queue);

    /// <summary>Forgets what was declared (after a broker restart a non-durable cache could lie; queues are durable, so this is only for tests).</summary>
    public void Reset() => _declared.Clear();

    public async Task DeclareQueueAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        if (_declared.ContainsKey(queue))
        {
            return;
        }

        await channel.ExchangeDeclareAsync(_options.ExchangeName, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(_options.DeadLetterExchangeName, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);

        var type = _options.GetQueueType(queue);
        var deadLetterQueue = _options.DeadLetterQueueOf(queue);
        await channel.QueueDeclareAsync(deadLetterQueue, durable: true, exclusive: false, autoDelete: false, arguments: DeadLetterQueueArguments(type), cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(deadLetterQueue, _options.DeadLetterExchangeName, routingKey: queue, cancellationToken: cancellationToken).ConfigureAwait(false);

        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: QueueArguments(queue, type), cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, _options.ExchangeName, routingKey: queue, cancellationToken: cancellationToken).ConfigureAwait(false);

        // Delayed messages leave the last delay level through the delivery exchange, routed by queue name.
        var delivery = DelayLevels.DeliveryExchangeName(_options.DelayExchangePrefix);
        await channel.ExchangeDeclareAsync(delivery, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, delivery, routingKey: DelayLevels.DeliveryBinding(queue), cancellationToken: cancellationToken).ConfigureAwait(false);
        _declared[queue] = true;
    }

    public bool DelayLevelsDeclared => _declared.ContainsKey(DelayLevelsKey);

    /// <summary>Declares the delay levels (see <see cref="DelayLevels"/>), from the delivery exchange up.</summary>
    public async Task DeclareDelayLevelsAsync(IChannel channel, CancellationToken cancellationToken)
    {
        if (DelayLevelsDeclared)
        {
            return;
        }

        var prefix = _options.DelayExchangePrefix;
        var next = DelayLevels.DeliveryExchangeName(prefix);
        await channel.ExchangeDeclareAsync(next, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var level = 0; level < DelayLevels.Count; level++)
        {
            var exchange = DelayLevels.ExchangeName(prefix, level);
            var queue = DelayLevels.QueueName(prefix, level);
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["x-queue-type"] = "quorum",
                ["x-message-ttl"] = (long)DelayLevels.Ttl(level).TotalMilliseconds,
                ["x-dead-letter-exchange"] = next,
                ["x-dead-letter-strategy"] = "at-least-once",
                ["x-overflow"] = "reject-publish",
            };
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, exchange, DelayLevels.LevelBinding(level, '1'), cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.ExchangeBindAsync(next, exchange, DelayLevels.LevelBinding(level, '0'), cancellationToken: cancellationToken).ConfigureAwait(false);
            next = exchange;
        }

        _declared[DelayLevelsKey] = true;
    }

    internal static InvalidOperationException Mismatch(string queue, RabbitMQ.Client.Exceptions.OperationInterruptedException ex) => new(
        $"TaskFlow: queue '{queue}' (or a delay level) exists with other arguments than TaskFlow declares ({ex.ShutdownReason?.ReplyText}). " +
        "Delete it or make RabbitMqOptions (QueueType, QueueTypes, DeliveryLimit, DeadLetterExchangeName) match it.", ex);

    internal Dictionary<string, object?> QueueArguments(string queue, QueueType type)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["x-dead-letter-exchange"] = _options.DeadLetterExchangeName,
            ["x-dead-letter-routing-key"] = queue,
        };
        if (type == QueueType.Quorum)
        {
            arguments["x-queue-type"] = "quorum";
            arguments["x-delivery-limit"] = _options.DeliveryLimit;
            arguments["x-dead-letter-strategy"] = "at-least-once";
            arguments["x-overflow"] = "reject-publish";
        }
        else
        {
            arguments["x-queue-type"] = "classic";
        }

        return arguments;
    }

    private static Dictionary<string, object?> DeadLetterQueueArguments(QueueType type) => new(StringComparer.Ordinal)
    {
        ["x-queue-type"] = type == QueueType.Quorum ? "quorum" : "classic",
    };
}
