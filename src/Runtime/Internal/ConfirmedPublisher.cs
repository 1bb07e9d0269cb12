using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TaskFlow.Internal;

/// <summary>
/// Publishes with <c>mandatory</c> and publisher confirms over a small set of channels ("lanes"). Each lane
/// keeps up to <see cref="TaskFlowOptions.MaxUnconfirmedPublishesPerChannel"/> publishes in flight, so
/// concurrent callers share confirm round trips instead of waiting for one each. The client's own
/// outstanding-confirm rate limiter is disabled (it collapses throughput past 64 in flight, see
/// docs/benchmarks.md); the window is bounded here instead.
/// </summary>
internal sealed class ConfirmedPublisher : IAsyncDisposable
{
    private readonly BrokerConnections _connections;
    private readonly TaskFlowOptions _options;
    private readonly Lane[] _lanes;
    private int _next = -1;

    public ConfirmedPublisher(BrokerConnections connections, IOptions<TaskFlowOptions> options)
    {
        _connections = connections;
        _options = options.Value;
        _lanes = new Lane[Math.Max(1, _options.PublishChannels)];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new Lane(_options.MaxUnconfirmedPublishesPerChannel);
        }
    }

    /// <summary>Publishes one message and completes when the broker has confirmed it.</summary>
    /// <exception cref="TaskUnroutableException">No queue is bound for the routing key.</exception>
    /// <exception cref="TaskPublishException">The broker nacked the message, the channel closed or the confirm timed out.</exception>
    public async ValueTask PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, string taskName, CancellationToken cancellationToken)
    {
        var lane = _lanes[(uint)Interlocked.Increment(ref _next) % (uint)_lanes.Length];
        await lane.Window.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = await lane.GetChannelAsync(_connections, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.PublishTimeout);
            try
            {
                await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, timeout.Token).ConfigureAwait(false);
            }
            catch (PublishException ex) when (ex.IsReturn)
            {
                throw new TaskUnroutableException(taskName, exchange, routingKey, ex);
            }
            catch (PublishException ex)
            {
                throw new TaskPublishException($"TaskFlow: the broker refused task '{taskName}' (basic.nack); it was not enqueued.", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TaskPublishException($"TaskFlow: no confirm for task '{taskName}' within {_options.PublishTimeout}; it may not have been enqueued.", ex);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException)
            {
                throw new TaskPublishException(
                    $"TaskFlow: the channel closed while publishing task '{taskName}' ({(ex as OperationInterruptedException)?.ShutdownReason?.ReplyText ?? ex.Message}); it may not have been enqueued.", ex);
            }
        }
        finally
        {
            lane.Window.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes)
        {
            await lane.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Lane : IAsyncDisposable
    {
        private readonly SemaphoreSlim _channelGate = new(1, 1);
        private IChannel? _channel;

        public Lane(int window)
        {
            Window = new SemaphoreSlim(Math.Max(1, window), Math.Max(1, window));
        }

        public SemaphoreSlim Window { get; }

        public async ValueTask<IChannel> GetChannelAsync(BrokerConnections connections, CancellationToken cancellationToken)
        {
            var channel = Volatile.Read(ref _channel);
            if (channel is not null && (channel.IsOpen || !IsPermanentlyClosed(channel)))
            {
                return channel;
            }

            await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                channel = _channel;
                if (channel is not null && (channel.IsOpen || !IsPermanentlyClosed(channel)))
                {
                    return channel;
                }

                channel?.Dispose();
                var connection = await connections.GetAsync(ConnectionRole.Publisher, cancellationToken).ConfigureAwait(false);
                channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(
                        publisherConfirmationsEnabled: true,
                        publisherConfirmationTrackingEnabled: true,
                        outstandingPublisherConfirmationsRateLimiter: null),
                    cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _channel, channel);
                return channel;
            }
            finally
            {
                _channelGate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            var channel = Interlocked.Exchange(ref _channel, null);
            if (channel is not null)
            {
                try
                {
                    if (channel.IsOpen)
                    {
                        await channel.CloseAsync().ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
                {
                    // Closing an already closed channel: nothing to do.
                }

                channel.Dispose();
            }
        }

        // A channel closed by a channel-level error (e.g. 404 on a missing exchange) is never reopened by
        // automatic recovery; one closed with its connection is, so it is kept until recovery brings it back.
        private static bool IsPermanentlyClosed(IChannel channel) =>
            channel.CloseReason is { } reason && reason.ReplyCode is not 320 and not 541 && reason.Initiator != ShutdownInitiator.Library
            || channel.CloseReason?.Initiator == ShutdownInitiator.Application;
    }
}
