using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Consumes one queue on its own channel: hands each delivery to the core's <see cref="TaskProcessor"/> and carries
/// out the <see cref="Settlement"/> it returns (ack, hand back, requeue as a failure, send a retry or deferral copy,
/// dead-letter). Prefetch (basic.qos) bounds the deliveries in flight and the queue's <see cref="TaskSlots"/> bound
/// how many run. Acks and returns go through
/// <see cref="AckBatcher"/>, which coalesces a run of consecutive settled delivery tags into one multiple ack. A plain
/// ack is posted, not awaited: the slot goes on with the next delivery, and the delivery counts as in flight (a drain
/// waits for it) until the flusher reports its frame written or lost (<see cref="IPostedAckObserver"/>).
/// A delivery is processed on a pooled copy of its body and its dispatch callback returns at once: RabbitMQ.Client
/// answers a broker's channel.close only after the channel's dispatch callbacks returned, and until then the whole
/// connection reads nothing, so a task outliving the consumer_timeout would otherwise stall every channel of the
/// connection, the replacement consumer's included.
/// </summary>
internal sealed class AmqpQueueConsumer : AsyncDefaultBasicConsumer, IEarlyAcknowledger, IPostedAckObserver
{
    private readonly string _queue;
    private readonly QueueWork _work;
    private readonly RetrySender _retries;
    private readonly DeadLetterSender _deadLetters;
    private readonly ILogger _logger;
    private readonly AckBatcher _acks;
    /// <summary>How long a delivery whose processing failed unexpectedly is held before it is handed back.</summary>
    internal static readonly TimeSpan FailedDeliveryPause = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after its last ack frame a channel is left open before it is closed. A quorum queue may apply acks
    /// sent just before a channel closes after the close, and then hands those messages back (rabbitmq-server issue
    /// 10327, open; measured here with RabbitMQ 3.10: 2 of 20 runs of <c>PostedAckDrainTests</c> under load got 5-7
    /// acked messages back without the pause, none of 20 with 50 ms).
    /// </summary>
    internal static readonly TimeSpan AckSettleGrace = TimeSpan.FromMilliseconds(100);

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _dispatchSync = new();
    private readonly Queue<Delivery> _waiting = new();
    private readonly int _processingLimit;
    private int _processing;
    private int _channelGeneration;
    private int _inFlight;
    private volatile bool _stopping;
    private volatile bool _retired;
    private int _forgetting;

    /// <param name="channel">The channel the consumer is registered on.</param>
    /// <param name="queue">The queue it consumes.</param>
    /// <param name="work">Runs one delivery (the transport-neutral processor and the queue's slots).</param>
    /// <param name="retries">Sends a retry through the delay levels.</param>
    /// <param name="deadLetters">Dead-letters a message with its reason.</param>
    /// <param name="logger">The transport's logger.</param>
    /// <param name="processingLimit">How many deliveries are processed at once (<see cref="TaskSlots.DispatchConcurrency"/>); the rest wait here, in order.</param>
    /// <param name="acks">Where acks and returns go; the channel itself unless a test holds frames back.</param>
    public AmqpQueueConsumer(IChannel channel, string queue, QueueWork work, RetrySender retries, DeadLetterSender deadLetters, ILogger logger, int processingLimit, IAckSink? acks = null)
        : base(channel)
    {
        _processingLimit = Math.Max(1, processingLimit);
        _queue = queue;
        _work = work;
        _retries = retries;
        _deadLetters = deadLetters;
        _logger = logger;
        _acks = new AckBatcher(acks ?? new ChannelAckSink(channel), coalesce: true, observer: this);
    }

    /// <summary>Completes when the channel closed for a reason automatic recovery will not repair (the worker then re-creates the consumer).</summary>
    public Task Stopped => _stopped.Task;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Waits until <see cref="AckSettleGrace"/> has passed since the last ack frame (at once when it has, or none was sent).</summary>
    public Task WaitForAcksToSettleAsync()
    {
        var last = _acks.LastFrameAt;
        if (last == 0)
        {
            return Task.CompletedTask;
        }

        var wait = (long)AckSettleGrace.TotalMilliseconds - (Environment.TickCount64 - last);
        return wait > 0 ? Task.Delay(TimeSpan.FromMilliseconds(wait)) : Task.CompletedTask;
    }

    /// <summary>Marks the consumer as stopping: the cancel that follows is ours, not the broker's.</summary>
    public void BeginStop()
    {
        _stopping = true;
        _work.Slots.Close();
    }

    /// <summary>The channel died and a new consumer replaces this one: completes when the tasks still running here returned (the queue's slots stay open).</summary>
    public Task RetireAsync()
    {
        _retired = true;
        _stopping = true;
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }

    /// <summary>Stop taking new messages; completes when no task is running (prefetched ones are handed back).</summary>
    public Task DrainAsync()
    {
        BeginStop();
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _inFlight);
        if (_retired)
        {
            // A retired consumer gets a delivery only when automatic recovery re-opened its channel (the connection
            // dropped before the worker forgot the channel). Handing each message back would spin it between the broker
            // and this consumer until the queue's delivery limit dead-letters it: close the channel instead (which also
            // drops it from recovery), so its messages go back to the queue once, for the consumer that replaced this one.
            Left();
            ForgetChannel();
            return Task.CompletedTask;
        }

        if (_stopping)
        {
            return HandBackAsync(deliveryTag);
        }

        // The callback returns at once, so the channel never waits for a task (see the class summary). Up to the
        // processing limit deliveries are processed at once; the others wait here, in order, and the broker's prefetch
        // bounds how many that can be. The body is the client's only until this callback returns: a pooled copy.
        var buffer = ArrayPool<byte>.Shared.Rent(body.Length);
        body.Span.CopyTo(buffer);
        var delivery = new Delivery(deliveryTag, redelivered, properties, buffer, body.Length, Volatile.Read(ref _channelGeneration));
        lock (_dispatchSync)
        {
            if (_processing >= _processingLimit)
            {
                _waiting.Enqueue(delivery);
                return Task.CompletedTask;
            }

            _processing++;
        }

        // Inline up to the task's own code, which the executor runs off this callback (DeliveryCallback).
        using (DeliveryCallback.Enter())
        {
            _ = ProcessInTurnAsync(delivery);
        }

        return Task.CompletedTask;
    }

    /// <summary>Processes a delivery, then the ones that waited for a turn, until none waits.</summary>
    private async Task ProcessInTurnAsync(Delivery delivery)
    {
        while (true)
        {
            if (delivery.Generation != Volatile.Read(ref _channelGeneration))
            {
                // Delivered on a channel that has shut down since (automatic recovery may have opened another): the
                // broker took its unacked messages back with it, so processing them now would only duplicate.
                Drop(delivery);
            }
            else
            {
                // Inline rather than a method of its own: one state machine for the whole turn, not one per delivery.
                var (deliveryTag, redelivered, properties, buffer, length, _) = delivery;
                var body = new ReadOnlyMemory<byte>(buffer, 0, length);
                Settlement settlement = default;
                var processed = false;
                var posted = false;
                try
                {
                    settlement = await _work.Processor.ProcessAsync(properties.Headers, properties.ContentType, properties.ContentEncoding, body, redelivered, _queue, DelayLevels.MaxDelay, _work.Slots, new EarlyAck(this, deliveryTag), _work.Abort).ConfigureAwait(false);
                    processed = true;
                    if (!settlement.Acknowledged && settlement.Kind == SettlementKind.Ack)
                    {
                        // The common case: posted, not awaited, so this slot takes the next delivery while the ack waits
                        // for its frame with the others posted meanwhile (one multiple ack for a run of them). The
                        // delivery leaves (Left) when the flusher reports the frame (Flushed), not here.
                        _acks.Post(new PostedAck(deliveryTag, settlement.TaskId, settlement.TaskName, settlement.Record));
                        posted = true;
                    }
                    else
                    {
                        await SettleOtherAsync(deliveryTag, properties, body, settlement).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
                {
                    // The channel went away under us (e.g. consumer_timeout during a long task): the broker redelivers the
                    // unacked message. The core remembers a final outcome so that the copy is skipped.
                    RabbitMqLog.AckLost(_logger, _queue, deliveryTag, ex.Message);
                    _work.Processor.SettlementLost(settlement.TaskId, settlement.TaskName, settlement);
                }
                catch (Exception ex)
                {
                    // Nothing awaits this processing: an unexpected error is logged here. One before the settlement hands
                    // the message back (counted toward its delivery limit, so one that always fails ends dead-lettered)
                    // rather than holding it unacked until the channel closes, which may be never. One in the settlement
                    // leaves it as it is: the settlement may have acked it already (a second settlement closes the channel).
                    RabbitMqLog.DeliveryFailed(_logger, ex, _queue, deliveryTag, processed ? "its settlement failed: the message comes back when the channel closes" : "the message is handed back to the queue in a second (counted toward its delivery limit)");
                    if (!processed)
                    {
                        await ReturnAfterFailureAsync(deliveryTag, delivery.Generation).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    if (!posted)
                    {
                        Left();
                    }
                }
            }

            lock (_dispatchSync)
            {
                if (!_waiting.TryDequeue(out delivery))
                {
                    _processing--;
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Hands back a delivery whose processing failed unexpectedly (<c>basic.reject</c> with requeue) after
    /// <see cref="FailedDeliveryPause"/>, so that an error that repeats cannot spin a message at full speed (a classic
    /// queue has no delivery limit); never throws.
    /// </summary>
    private async ValueTask ReturnAfterFailureAsync(ulong deliveryTag, int generation)
    {
        try
        {
            await Task.Delay(FailedDeliveryPause).ConfigureAwait(false);
            if (generation != Volatile.Read(ref _channelGeneration))
            {
                return; // its channel shut down meanwhile: the broker took the message back with it
            }

            await _acks.ReturnAsync(deliveryTag, countsAsFailure: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
        {
            // The channel is gone: the broker has the message back anyway.
        }
    }

    private void ForgetChannel()
    {
        if (Interlocked.Exchange(ref _forgetting, 1) == 0)
        {
            RabbitMqLog.RetiredConsumerRecovered(_logger, _queue);
            // Not from this callback: closing a channel waits for its dispatch callbacks to return.
            _ = Task.Run(async () =>
            {
                try
                {
                    await Channel.AbortAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException or TimeoutException)
                {
                    RabbitMqLog.CloseFailed(_logger, ex);
                }
            });
        }
    }

    private void Drop(Delivery delivery)
    {
        ArrayPool<byte>.Shared.Return(delivery.Buffer);
        Left();
    }

    private async Task HandBackAsync(ulong deliveryTag)
    {
        try
        {
            // Prefetched after we stopped taking work: hand it back untouched.
            await _acks.ReturnAsync(deliveryTag, countsAsFailure: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
        {
            // The channel is gone: the broker has the message back anyway.
        }
        finally
        {
            Left();
        }
    }

    private void Left()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Lease mode: the lease row holds the message now, so it is acked before the task runs.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask AcknowledgeAsync(ulong deliveryTag)
    {
        try
        {
            await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
        {
            // The redelivered copy finds the lease held and is skipped.
            RabbitMqLog.AckLost(_logger, _queue, deliveryTag, ex.Message);
        }
    }

    /// <summary>The flusher's report on posted acks: each delivery leaves now; one whose frame was lost is reported as an ack lost is when awaited.</summary>
    void IPostedAckObserver.Flushed(List<PostedAck> acks, Exception? error)
    {
        foreach (var ack in acks)
        {
            try
            {
                if (error is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
                {
                    // The channel went away before the frame was written: the broker redelivers the message. The core
                    // remembers the final outcome so that the copy is skipped here.
                    RabbitMqLog.AckLost(_logger, _queue, ack.Tag, error.Message);
                    _work.Processor.SettlementLost(ack.TaskId, ack.TaskName, Settlement.Ack(ack.TaskName, ack.TaskId, ack.Record));
                }
                else if (error is not null)
                {
                    RabbitMqLog.DeliveryFailed(_logger, error, _queue, ack.Tag, "its settlement failed: the message comes back when the channel closes");
                }
            }
            catch (Exception ex)
            {
                // Reporting must not keep the delivery in flight (a drain would wait for it forever).
                RabbitMqLog.DeliveryFailed(_logger, ex, _queue, ack.Tag, "reporting its lost ack failed");
            }
            finally
            {
                Left();
            }
        }
    }

    /// <summary>Carries out the core's decision on the channel when it is not a plain ack (those are posted).</summary>
    private async ValueTask SettleOtherAsync(ulong deliveryTag, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, Settlement settlement)
    {
        if (settlement.Acknowledged)
        {
            await SendLeasedCopyAsync(properties, body, settlement).ConfigureAwait(false);
            return;
        }

        switch (settlement.Kind)
        {
            case SettlementKind.Ack:
                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                return;
            case SettlementKind.HandBack:
                await _acks.ReturnAsync(deliveryTag, countsAsFailure: false).ConfigureAwait(false);
                return;
            case SettlementKind.Requeue:
                await _acks.ReturnAsync(deliveryTag, countsAsFailure: true).ConfigureAwait(false);
                return;
            case SettlementKind.RetryAfter:
            case SettlementKind.DeferUntil:
                try
                {
                    if (settlement.Kind == SettlementKind.RetryAfter)
                    {
                        await _retries.RetryAsync(_queue, properties, body, settlement, CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        await _retries.DeferAsync(_queue, properties, body, settlement, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is TaskPublishException or InvalidOperationException or ArgumentOutOfRangeException)
                {
                    // Not confirmed: keep the message as a failed delivery. The queue's delivery limit stops an endless loop.
                    RabbitMqLog.RedeliveryFailed(_logger, ex, _queue);
                    await _acks.ReturnAsync(deliveryTag, countsAsFailure: true).ConfigureAwait(false);
                    return;
                }

                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                return;
            case SettlementKind.DeadLetter:
                try
                {
                    await _deadLetters.SendAsync(_queue, properties, body, settlement, CancellationToken.None).ConfigureAwait(false);
                }
                catch (TaskPublishException ex)
                {
                    RabbitMqLog.DeadLetterFailed(_logger, ex, _queue);
                    await _acks.ReturnAsync(deliveryTag, countsAsFailure: true).ConfigureAwait(false);
                    return;
                }

                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(settlement), settlement.Kind, "unknown settlement");
        }
    }

    /// <summary>
    /// Lease mode: the message was acked when the run started. A retry, deferral or dead letter is sent as a copy;
    /// then the lease is released, or expired (so a reaper sends the task again) when the copy was not confirmed.
    /// </summary>
    private async Task SendLeasedCopyAsync(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, Settlement settlement)
    {
        if (settlement.Lease is not { } lease)
        {
            return; // acked, released (or expired) by the core already
        }

        try
        {
            switch (settlement.Kind)
            {
                case SettlementKind.RetryAfter:
                    await _retries.RetryAsync(_queue, properties, body, settlement, CancellationToken.None).ConfigureAwait(false);
                    break;
                case SettlementKind.DeferUntil:
                    await _retries.DeferAsync(_queue, properties, body, settlement, CancellationToken.None).ConfigureAwait(false);
                    break;
                case SettlementKind.DeadLetter:
                    await _deadLetters.SendAsync(_queue, properties, body, settlement, CancellationToken.None).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (ex is TaskPublishException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            RabbitMqLog.RedeliveryFailed(_logger, ex, _queue);
            await lease.ExpireAsync().ConfigureAwait(false);
            return;
        }

        await lease.ReleaseAsync().ConfigureAwait(false);
    }

    protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
    {
        // Also called by RabbitMQ.Client 7 when the channel shuts down (e.g. the connection dropped): that
        // case is left to automatic recovery, which re-registers this consumer. A retired consumer no longer speaks for
        // the queue: the one that replaced it does.
        if (!_retired)
        {
            _work.Status.Set(_queue, false);
        }

        return base.OnCancelAsync(consumerTags, cancellationToken);
    }

    public override Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        if (!_stopping)
        {
            // basic.cancel from the broker (queue deleted, or a quorum queue leader moved): re-create the consumer.
            RabbitMqLog.ConsumerCancelledByBroker(_logger, _queue);
            _stopped.TrySetResult();
        }

        return base.HandleBasicCancelAsync(consumerTag, cancellationToken);
    }

    public override Task HandleBasicConsumeOkAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        if (!_retired)
        {
            _work.Status.Set(_queue, true);
        }

        return base.HandleBasicConsumeOkAsync(consumerTag, cancellationToken);
    }

    public override Task HandleChannelShutdownAsync(object channel, ShutdownEventArgs reason)
    {
        Interlocked.Increment(ref _channelGeneration);
        if (!_retired)
        {
            _work.Status.Set(_queue, false);
        }

        if (!_stopping && reason.Initiator != ShutdownInitiator.Application)
        {
            RabbitMqLog.ConsumerChannelClosed(_logger, _queue, reason.ReplyCode, reason.ReplyText);
            // A channel-level close (e.g. consumer_timeout, 406) is not repaired by connection recovery.
            if (ChannelClose.IsChannelLevel(reason))
            {
                _stopped.TrySetResult();
            }
        }

        return base.HandleChannelShutdownAsync(channel, reason);
    }

    /// <summary>A delivery waiting for its turn: what processing needs of it, the body in a pooled buffer.</summary>
    private readonly record struct Delivery(ulong Tag, bool Redelivered, IReadOnlyBasicProperties Properties, byte[] Buffer, int Length, int Generation);
}
