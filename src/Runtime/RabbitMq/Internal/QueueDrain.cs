using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Takes the messages of one queue over a consumer with manual acks, for operations (browse, re-drive, discard, purge):
/// the caller acks what it is done with, and <see cref="ReturnRestAsync"/> gives everything else back to the queue
/// (<c>basic.nack</c> with requeue). A message the caller never acked goes back to the queue even if the process dies,
/// when the broker closes the connection.
/// </summary>
internal sealed class QueueDrain
{
    private readonly IChannel _channel;
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SortedSet<ulong> _outstanding = [];
    private string? _consumerTag;

    private QueueDrain(IChannel channel)
    {
        _channel = channel;
    }

    /// <summary>Starts consuming <paramref name="queue"/> with up to <paramref name="prefetch"/> unacknowledged messages held at once.</summary>
    public static async Task<QueueDrain> StartAsync(IChannel channel, string queue, ushort prefetch, CancellationToken cancellationToken)
    {
        var drain = new QueueDrain(channel);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += drain.OnReceivedAsync;
        drain._consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        return drain;
    }

    /// <summary>The next message, or <c>null</c> when none came within <paramref name="idle"/> (others took them, or the queue is empty).</summary>
    public async ValueTask<Delivery?> NextAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        if (_deliveries.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(idle);
        try
        {
            return await _deliveries.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public async ValueTask AckAsync(ulong tag, CancellationToken cancellationToken)
    {
        await _channel.BasicAckAsync(tag, multiple: false, cancellationToken).ConfigureAwait(false);
        lock (_outstanding)
        {
            _outstanding.Remove(tag);
        }
    }

    /// <summary>
    /// Acks every message taken up to and including <paramref name="tag"/> in one <c>basic.ack</c> (multiple): for a
    /// caller that handles the messages in the order they came and has acked or handled every one before it.
    /// </summary>
    public async ValueTask AckThroughAsync(ulong tag, CancellationToken cancellationToken)
    {
        await _channel.BasicAckAsync(tag, multiple: true, cancellationToken).ConfigureAwait(false);
        lock (_outstanding)
        {
            _outstanding.RemoveWhere(t => t <= tag);
        }
    }

    /// <summary>Stops consuming and returns every message not acked to the queue, in one <c>basic.nack</c> (multiple, requeue).</summary>
    public async Task ReturnRestAsync()
    {
        if (!_channel.IsOpen)
        {
            return; // the broker returns them itself
        }

        try
        {
            if (_consumerTag is not null)
            {
                await _channel.BasicCancelAsync(_consumerTag).ConfigureAwait(false);
            }

            // Up to the highest tag not acked (a tag acked already must not be named again: the broker would close the channel).
            ulong highest;
            lock (_outstanding)
            {
                highest = _outstanding.Count == 0 ? 0 : _outstanding.Max;
                _outstanding.Clear();
            }

            if (highest > 0)
            {
                await _channel.BasicNackAsync(highest, multiple: true, requeue: true).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // The channel went away: the broker requeues whatever was not acked.
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs args)
    {
        // The body is only valid during this call: copy it.
        lock (_outstanding)
        {
            _outstanding.Add(args.DeliveryTag);
        }

        _deliveries.Writer.TryWrite(new Delivery(args.DeliveryTag, args.BasicProperties, args.Body.ToArray()));
        return Task.CompletedTask;
    }
}
