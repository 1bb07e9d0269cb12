using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Core;
using TaskFlow.Hosting;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The RabbitMQ transport's receiving side: declares a queue's topology, opens its channel with QoS and registers an <see cref="AmqpQueueConsumer"/>.</summary>
internal sealed class RabbitMqWorkerTransport : IWorkerTransport
{
    private readonly BrokerConnections _connections;
    private readonly Topology _topology;
    private readonly RetrySender _retries;
    private readonly DeadLetterSender _deadLetters;
    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;

    public RabbitMqWorkerTransport(BrokerConnections connections, Topology topology, RabbitMqSender sender, DeadLetterSender deadLetters, RabbitMqOptions options, TimeProvider time, ILogger logger)
    {
        _connections = connections;
        _topology = topology;
        _retries = new RetrySender(sender, time);
        _deadLetters = deadLetters;
        _options = options;
        _logger = logger;
    }

    public Task WhenReconnected() => _connections.WhenRecovered(ConnectionRole.Consumer);

    public async ValueTask<IQueueConsumer> StartAsync(WorkerQueueOptions queue, QueueWork work, CancellationToken cancellationToken)
    {
        var connection = await _connections.GetAsync(ConnectionRole.Consumer, cancellationToken).ConfigureAwait(false);
        if (_options.DeclareTopology)
        {
            var declare = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (declare.ConfigureAwait(false))
            {
                try
                {
                    _topology.Reset();
                    await _topology.DeclareDeliveryExchangeAsync(connection, cancellationToken).ConfigureAwait(false);
                    await _topology.DeclareQueueAsync(declare, queue.Name, cancellationToken).ConfigureAwait(false);
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
                {
                    throw Topology.Mismatch(queue.Name, ex);
                }
            }
        }

        var prefetch = queue.PrefetchWith(stateStore: work.Processor.RecordsState);
        var processingLimit = TaskSlots.DispatchConcurrency(queue.Concurrency, prefetch, overlap: work.Processor.RecordsState);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(
                publisherConfirmationsEnabled: false,
                publisherConfirmationTrackingEnabled: false,
                // The consumer's callbacks return at once (AmqpQueueConsumer): one dispatch loop is enough.
                consumerDispatchConcurrency: 1),
            cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, (ushort)prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AmqpQueueConsumer(channel, queue.Name, work, _retries, _deadLetters, _logger, processingLimit);
        var tag = await channel.BasicConsumeAsync(queue.Name, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments: null, consumer, cancellationToken).ConfigureAwait(false);
        work.Status.Set(queue.Name, true);
        RabbitMqLog.Consuming(_logger, queue.Name, queue.Concurrency, prefetch);
        return new RabbitMqQueueConsumer(queue.Name, channel, consumer, tag, _logger);
    }
}
