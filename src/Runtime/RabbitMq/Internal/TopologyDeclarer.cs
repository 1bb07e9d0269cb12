using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Declares what a publish needs before the first one to a queue (the queue, its dead-letter queue and, for delayed
/// messages, the delay levels), once per process, on the publisher connection, when <see cref="RabbitMqOptions.DeclareTopology"/> is on.
/// </summary>
internal sealed class TopologyDeclarer : IDisposable
{
    private readonly ConfirmedPublisher _publisher;
    private readonly BrokerConnections _connections;
    private readonly Topology _topology;
    private readonly RabbitMqOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public TopologyDeclarer(ConfirmedPublisher publisher, BrokerConnections connections, Topology topology, RabbitMqOptions options)
    {
        _publisher = publisher;
        _connections = connections;
        _topology = topology;
        _options = options;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Declares <paramref name="queue"/> (and the delay levels when <paramref name="delayLevels"/>) unless done already; waits while the broker is unreachable, within the publish bound (its error names <paramref name="taskId"/>).</summary>
    public ValueTask EnsureAsync(string queue, bool delayLevels, string taskName, CancellationToken cancellationToken, string? taskId = null)
    {
        if (!_options.DeclareTopology || (_topology.IsDeclared(queue) && (!delayLevels || _topology.DelayLevelsDeclared)))
        {
            return ValueTask.CompletedTask;
        }

        return DeclareWhileUnavailableAsync(queue, delayLevels, taskName, taskId, cancellationToken);
    }

    // Its own method: the lambda's closure is allocated on entry to the method that holds it, so the declared fast path
    // above holds none.
    private ValueTask DeclareWhileUnavailableAsync(string queue, bool delayLevels, string taskName, string? taskId, CancellationToken cancellationToken) =>
        _publisher.RetryWhileUnavailableAsync(() => DeclareAsync(queue, delayLevels, cancellationToken), taskName, cancellationToken, taskId);

    private async ValueTask DeclareAsync(string queue, bool delayLevels, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_topology.IsDeclared(queue) && (!delayLevels || _topology.DelayLevelsDeclared))
            {
                return;
            }

            IChannel channel;
            try
            {
                var connection = await _connections.GetAsync(ConnectionRole.Publisher, cancellationToken).ConfigureAwait(false);
                try
                {
                    await _topology.DeclareDeliveryExchangeAsync(connection, cancellationToken).ConfigureAwait(false);
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
                {
                    throw Topology.Mismatch(Topology.UnroutableName(_options.DelayExchangePrefix), ex);
                }

                channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TaskPublishException or RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or System.IO.IOException or System.Net.Sockets.SocketException)
            {
                throw new BrokerUnavailableException(ex.Message, ex);
            }

            await using (channel.ConfigureAwait(false))
            {
                try
                {
                    await _topology.DeclareQueueAsync(channel, queue, cancellationToken).ConfigureAwait(false);
                    if (delayLevels)
                    {
                        await _topology.DeclareDelayLevelsAsync(channel, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
                {
                    throw Topology.Mismatch(queue, ex);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
