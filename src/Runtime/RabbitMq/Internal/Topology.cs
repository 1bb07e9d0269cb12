using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Declares TaskFlow's durable topology, idempotently: the task exchange (direct), the dead-letter
/// exchange (direct), and per TaskFlow queue a queue bound by its name plus a dead-letter queue
/// <c>{queue}.dead</c>. Names and arguments are documented in docs/topology.md.
/// </summary>
internal sealed class Topology : IDisposable
{
    /// <summary>Bound of the unroutable queue: beyond it the oldest are dropped, so it never refuses (a refusal would stall the delay levels again).</summary>
    internal const int UnroutableMaxLength = 100_000;

    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private const string DelayLevelsKey = "\0delay-levels";
    private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _deliveryGate = new(1, 1);

    // The delivery exchange's arguments as the broker has them: with the alternate exchange, or none on a broker
    // where an older TaskFlow declared it without one. Null until resolved.
    private Dictionary<string, object?>? _deliveryArguments;

    public Topology(RabbitMqOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The exchange and queue that take delayed messages whose target queue does not exist (any more).</summary>
    public static string UnroutableName(string delayExchangePrefix) => delayExchangePrefix + ".unroutable";

    /// <summary>
    /// Declares the delivery exchange the last delay level hands messages to, with an alternate exchange into the bounded
    /// <c>{prefix}.unroutable</c> queue. Without it a delayed message whose queue was deleted is unroutable there, and the
    /// delay level (dead-lettering at-least-once) keeps retrying it; once enough pile up the level stops moving for every
    /// queue. A broker where an older TaskFlow declared the exchange without the alternate exchange refuses the new
    /// arguments (PRECONDITION_FAILED): then the existing exchange is used as it is and a warning says how to add it (a policy).
    /// Runs once per process; uses its own channels, as a refusal closes the channel.
    /// </summary>
    public async Task DeclareDeliveryExchangeAsync(IConnection connection, CancellationToken cancellationToken)
    {
        if (_deliveryArguments is not null)
        {
            return;
        }

        await _deliveryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_deliveryArguments is not null)
            {
                return;
            }

            var prefix = _options.DelayExchangePrefix;
            var delivery = DelayLevels.DeliveryExchangeName(prefix);
            var unroutable = UnroutableName(prefix);
            var withAlternate = new Dictionary<string, object?>(StringComparer.Ordinal) { ["alternate-exchange"] = unroutable };
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                await channel.ExchangeDeclareAsync(unroutable, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
                var queueArguments = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["x-queue-type"] = "classic",
                    ["x-max-length"] = UnroutableMaxLength,
                };
                await channel.QueueDeclareAsync(unroutable, durable: true, exclusive: false, autoDelete: false, arguments: queueArguments, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueBindAsync(unroutable, unroutable, routingKey: string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
                try
                {
                    await channel.ExchangeDeclareAsync(delivery, ExchangeType.Topic, durable: true, autoDelete: false, arguments: withAlternate, cancellationToken: cancellationToken).ConfigureAwait(false);
                    _deliveryArguments = withAlternate;
                    return;
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
                {
                    // Declared by an older TaskFlow without the alternate exchange: keep it as it is (older processes still declare it so).
                }
            }

            var legacy = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (legacy.ConfigureAwait(false))
            {
                var none = new Dictionary<string, object?>(StringComparer.Ordinal);
                await legacy.ExchangeDeclareAsync(delivery, ExchangeType.Topic, durable: true, autoDelete: false, arguments: none, cancellationToken: cancellationToken).ConfigureAwait(false);
                _deliveryArguments = none;
            }

            RabbitMqLog.DeliveryExchangeWithoutAlternate(_logger, delivery, unroutable);
        }
        finally
        {
            _deliveryGate.Release();
        }
    }

    private Dictionary<string, object?> DeliveryArguments =>
        _deliveryArguments ?? throw new InvalidOperationException("TaskFlow: the delivery exchange is declared first (DeclareDeliveryExchangeAsync).");

    public void Dispose() => _deliveryGate.Dispose();

    public bool IsDeclared(string queue) => _declared.ContainsKey(queue);

    /// <summary>Forgets what was declared (after a broker restart a non-durable cache could lie; queues are durable, so this is only for tests).</summary>
    /// <remarks>The delivery exchange's arguments stay known: they are what the broker has, and queues starting at the same time use them.</remarks>
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
        await channel.ExchangeDeclareAsync(delivery, ExchangeType.Topic, durable: true, autoDelete: false, arguments: DeliveryArguments, cancellationToken: cancellationToken).ConfigureAwait(false);
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
        await channel.ExchangeDeclareAsync(next, ExchangeType.Topic, durable: true, autoDelete: false, arguments: DeliveryArguments, cancellationToken: cancellationToken).ConfigureAwait(false);
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
        "Delete it or make RabbitMqOptions (QueueType, QueueTypes, MaxPriorities, DeliveryLimit, DeadLetterExchangeName) match it.", ex);

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
            if (_options.MaxPriorities.TryGetValue(queue, out var maxPriority))
            {
                arguments["x-max-priority"] = (int)maxPriority;
            }
        }

        return arguments;
    }

    private static Dictionary<string, object?> DeadLetterQueueArguments(QueueType type) => new(StringComparer.Ordinal)
    {
        ["x-queue-type"] = type == QueueType.Quorum ? "quorum" : "classic",
    };
}
