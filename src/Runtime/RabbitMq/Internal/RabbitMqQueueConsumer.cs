using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>One queue's consumer as the worker host sees it: the channel, the AMQP consumer on it and its tag.</summary>
internal sealed class RabbitMqQueueConsumer : IQueueConsumer
{
    private readonly IChannel _channel;
    private readonly AmqpQueueConsumer _consumer;
    private readonly string _tag;
    private readonly ILogger _logger;

    public RabbitMqQueueConsumer(string queue, IChannel channel, AmqpQueueConsumer consumer, string tag, ILogger logger)
    {
        Queue = queue;
        _channel = channel;
        _consumer = consumer;
        _tag = tag;
        _logger = logger;
    }

    public string Queue { get; }

    public Task Stopped => _consumer.Stopped;

    public int InFlight => _consumer.InFlight;

    public async ValueTask StopTakingAsync()
    {
        _consumer.BeginStop();
        try
        {
            await _channel.BasicCancelAsync(_tag, noWait: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or TimeoutException or ObjectDisposedException)
        {
            RabbitMqLog.CancelFailed(_logger, Queue, ex.Message);
        }
    }

    public Task DrainAsync() => _consumer.DrainAsync();

    public async Task RetireAsync()
    {
        if (!_channel.IsOpen)
        {
            // Closed by the broker (e.g. consumer_timeout). RabbitMQ.Client forgets a channel only when the application
            // closes it: left as it is, the next connection recovery would re-open it with this retired consumer on it.
            // Closing a closed channel returns at once; the tasks still running here find it closed when they settle.
            await ForgetAsync().ConfigureAwait(false);
        }

        await _consumer.RetireAsync().ConfigureAwait(false);
    }

    private async Task ForgetAsync()
    {
        try
        {
            await _channel.AbortAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException or TimeoutException)
        {
            RabbitMqLog.CloseFailed(_logger, ex);
        }
    }

    public async ValueTask CloseAsync()
    {
        try
        {
            if (_channel.IsOpen)
            {
                // The acks written last must reach the queue before the close does (AmqpQueueConsumer.AckSettleGrace).
                await _consumer.WaitForAcksToSettleAsync().ConfigureAwait(false);
                await _channel.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException or TimeoutException)
        {
            RabbitMqLog.CloseFailed(_logger, ex);
        }

        _channel.Dispose();
    }
}
