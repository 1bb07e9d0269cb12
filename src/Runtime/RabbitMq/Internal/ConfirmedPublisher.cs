using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Publishes with <c>mandatory</c> and publisher confirms over a small set of channels ("lanes"). Each lane
/// keeps up to <see cref="RabbitMqOptions.MaxUnconfirmedPublishesPerChannel"/> publishes in flight, so
/// concurrent callers share confirm round trips instead of waiting for one each. TaskFlow correlates the confirms itself
/// (<see cref="ConfirmTracker"/>); RabbitMQ.Client's tracking is off, so no message carries its internal
/// <c>x-dotnet-pub-seq-no</c> header, and its outstanding-confirm rate limiter with it (it collapses throughput past 64
/// in flight, see docs/benchmarks.md): the window is bounded here instead. Dead letters go over one more lane, one
/// publish at a time (<see cref="PublishUnstampedAsync"/>).
/// </summary>
internal sealed class ConfirmedPublisher : IAsyncDisposable
{
    private readonly BrokerConnections _connections;
    private readonly RabbitMqOptions _options;
    private readonly TimeProvider _time;
    private readonly Lane[] _lanes;
    private readonly Lane _unstamped = new(1, tracked: false);
    private int _next = -1;
    private int _waiting;
    private SharedDeadline? _deadline;
    private readonly ConfirmWatch _watch;

    public ConfirmedPublisher(BrokerConnections connections, RabbitMqOptions options, TimeProvider time)
    {
        _connections = connections;
        _options = options;
        _time = time;
        _watch = new ConfirmWatch(time);
        _lanes = new Lane[Math.Max(1, _options.PublishChannels)];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new Lane(_options.MaxUnconfirmedPublishesPerChannel);
        }
    }

    /// <summary>
    /// Publishes one message and completes when the broker has confirmed it. While the broker is unreachable
    /// it waits and retries for up to <see cref="RabbitMqOptions.PublishRetryTimeout"/>, with at most
    /// <see cref="RabbitMqOptions.MaxBufferedPublishes"/> callers waiting at once.
    /// </summary>
    /// <exception cref="TaskUnroutableException">No queue is bound for the routing key.</exception>
    /// <remarks>
    /// <c>canLeaveHeld</c>: whether the caller, told that the write timed out while the client may still read the
    /// message (<see cref="TaskPublishException.MessageHeld"/>), leaves its properties and body to the client (drops
    /// them rather than reusing them). A caller that cannot (its body is a pooled buffer it gives back) has the body
    /// copied before the publish; its properties must be its own.
    /// </remarks>
    /// <exception cref="TaskPublishException">The broker nacked the message, stayed unreachable past the bound, or the confirm timed out.</exception>
    public ValueTask PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, string taskName, bool canLeaveHeld, CancellationToken cancellationToken) =>
        PublishOnceAsync(null, exchange, routingKey, properties, body, taskName, canLeaveHeld, retry: true, cancellationToken);

    // Its own method: the lambda's closure is allocated on entry to the method that holds it, so the first try holds none.
    private ValueTask RetryPublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, string taskName, BrokerUnavailableException first, bool canLeaveHeld, CancellationToken cancellationToken) =>
        RetryWhileUnavailableAsync(
            () => PublishOnceAsync(null, exchange, routingKey, properties, body, taskName, canLeaveHeld, retry: false, cancellationToken),
            taskName,
            cancellationToken,
            properties.CorrelationId,
            first);

    /// <summary>
    /// As <see cref="PublishAsync"/>, over a lane without the client's confirm tracking, so the message carries no
    /// <c>x-dotnet-pub-seq-no</c> header: one publish at a time, its confirm (or return) correlated here. For dead
    /// letters, which are rare and read by people.
    /// </summary>
    public ValueTask PublishUnstampedAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, string taskName, CancellationToken cancellationToken) =>
        RetryWhileUnavailableAsync(
            () => PublishOnceAsync(_unstamped, exchange, routingKey, properties, body, taskName, canLeaveHeld: false, retry: false, cancellationToken),
            taskName,
            cancellationToken,
            properties.CorrelationId);

    /// <summary>
    /// Runs <paramref name="attempt"/> until it does not throw <see cref="BrokerUnavailableException"/>, waiting
    /// 100 ms doubling to 1 s between tries, for up to <see cref="RabbitMqOptions.PublishRetryTimeout"/> and with at
    /// most <see cref="RabbitMqOptions.MaxBufferedPublishes"/> callers waiting at once. Publishing and the topology
    /// declaration before a first publish share it.
    /// </summary>
    /// <param name="attempt">One try: throws <see cref="BrokerUnavailableException"/> when the broker could not be reached.</param>
    /// <param name="taskName">The task, for the error message.</param>
    /// <param name="cancellationToken">Ends the waiting.</param>
    /// <param name="taskId">The task's id, for the error message, when known.</param>
    /// <param name="firstFailure">The failure of a first try the caller made itself, or <c>null</c>: this method makes the first.</param>
    public async ValueTask RetryWhileUnavailableAsync(Func<ValueTask> attempt, string taskName, CancellationToken cancellationToken, string? taskId = null, BrokerUnavailableException? firstFailure = null)
    {
        var mayHaveReachedBroker = false;
        long? deadline = null;
        var retryTimeout = (long)(_options.PublishRetryTimeout.TotalSeconds * _time.TimestampFrequency);
        var pause = TimeSpan.FromMilliseconds(100);
        var failure = firstFailure;
        while (true)
        {
            if (failure is null)
            {
                try
                {
                    await attempt().ConfigureAwait(false);
                    return;
                }
                catch (BrokerUnavailableException caught)
                {
                    failure = caught;
                }
            }

            var ex = failure;
            failure = null;
            mayHaveReachedBroker |= ex.MayHaveReachedBroker;
            var now = _time.GetTimestamp();
            deadline ??= now + retryTimeout;
            if (now >= deadline)
            {
                throw new TaskPublishException(
                    $"TaskFlow: RabbitMQ stayed unreachable for {_options.PublishRetryTimeout.TotalSeconds:0.#} s (RabbitMqOptions.PublishRetryTimeout); task '{taskName}'{Id(taskId)} {(mayHaveReachedBroker ? "may not have been enqueued (an earlier try reached the broker but its confirm was lost)" : "was not enqueued")}. Last error: {ex.Message}",
                    ex,
                    taskId,
                    mayHaveReachedBroker);
            }

            if (Interlocked.Increment(ref _waiting) > _options.MaxBufferedPublishes)
            {
                Interlocked.Decrement(ref _waiting);
                throw new TaskPublishException(
                    $"TaskFlow: RabbitMQ is unreachable and {_options.MaxBufferedPublishes} publishes are already waiting for it (RabbitMqOptions.MaxBufferedPublishes); task '{taskName}'{Id(taskId)} {(mayHaveReachedBroker ? "may not have been enqueued (an earlier try reached the broker but its confirm was lost)" : "was not enqueued")}.",
                    ex,
                    taskId,
                    mayHaveReachedBroker);
            }

            try
            {
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }

            pause = TimeSpan.FromMilliseconds(Math.Min(1000, pause.TotalMilliseconds * 2));
        }
    }

    /// <summary>How many publishes are waiting for the broker to come back.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The confirm timeout's shared deadline, made again when <see cref="RabbitMqOptions.PublishTimeout"/> changed.</summary>
    private SharedDeadline Deadline()
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline is null || deadline.Timeout != _options.PublishTimeout)
        {
            deadline = new SharedDeadline(_options.PublishTimeout, _time);
            Volatile.Write(ref _deadline, deadline);
        }

        return deadline;
    }

    /// <summary>
    /// One try of a publish; with <paramref name="retry"/>, a broker found unreachable sends it round
    /// <see cref="RetryWhileUnavailableAsync"/> (once its window slot is given back). The first try without the retry
    /// loop's closure, and in this method's own state machine rather than one more awaiting it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishOnceAsync(Lane? only, string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, string taskName, bool canLeaveHeld, bool retry, CancellationToken cancellationToken)
    {
        BrokerUnavailableException? unavailable;
        try
        {
            var lane = only ?? _lanes[(uint)Interlocked.Increment(ref _next) % (uint)_lanes.Length];
            // A slot in the lane's confirm window within the publish timeout: slots free as publishes are confirmed or time
            // out, so a broker that stops confirming would otherwise keep a queue of senders waiting one timeout after
            // another. (An uncontended wait completes at once, with no timer.)
            if (!await lane.Window.WaitAsync(_options.PublishTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw new TaskPublishException(
                    $"TaskFlow: no room to publish task '{taskName}'{Id(properties.CorrelationId)} within {_options.PublishTimeout} (RabbitMqOptions.PublishTimeout): its channel's {lane.Size} publishes in flight (RabbitMqOptions.MaxUnconfirmedPublishesPerChannel) were all waiting for the broker's confirms{Blocked()}. It was not enqueued.",
                    null,
                    properties.CorrelationId,
                    mayHaveBeenEnqueued: false);
            }

            try
            {
                IChannel channel;
                try
                {
                    channel = await lane.GetChannelAsync(_connections, _options.PublishTimeout, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException ex) when (_connections.Existing(ConnectionRole.Publisher) is not { IsOpen: true })
                {
                    // Still connecting, or the connection is recovering: the broker is unreachable as far as this publish can
                    // tell, so it waits and tries again within PublishRetryTimeout (joining the same opening).
                    throw new BrokerUnavailableException($"no connection to RabbitMQ within {_options.PublishTimeout} (RabbitMqOptions.PublishTimeout)", ex);
                }
                catch (TimeoutException ex)
                {
                    // The channel is still opening on an open connection (a connection the broker has blocked does not get its
                    // channel.open read): nothing was published, and waiting longer than the publish timeout is not the
                    // caller's bargain.
                    throw new TaskPublishException($"TaskFlow: no channel to publish task '{taskName}'{Id(properties.CorrelationId)} on within {_options.PublishTimeout} (RabbitMqOptions.PublishTimeout): the broker has not answered channel.open{Blocked()}. It was not enqueued.", ex, properties.CorrelationId, mayHaveBeenEnqueued: false);
                }
                catch (Exception ex) when (ex is TaskPublishException or AlreadyClosedException or OperationInterruptedException or BrokerUnreachableException or System.IO.IOException or System.Net.Sockets.SocketException
                    || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // The last: the client's own timeout for channel.open-ok (ConnectionFactory.ContinuationTimeout) ended the opening.
                    throw new BrokerUnavailableException(ex.Message, ex);
                }

                if (!channel.IsOpen)
                {
                    throw new BrokerUnavailableException("the channel is closed (connection recovering)", null);
                }

                var started = Telemetry.PublishDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
                CancellationTokenSource? linked = null;
                try
                {
                    if (lane.Tracked)
                    {
                        // One publish on a lane whose confirms TaskFlow tracks (ConfirmTracker): the lane's turn, the
                        // channel's next sequence number, the publish (written into the client), then the confirm; the three
                        // waits share one deadline, RabbitMqOptions.PublishTimeout from here, kept by ConfirmWatch without a
                        // token: the client gets none (a token costs a registration wherever it waits), and a publish it has
                        // taken a number for runs to its end, so the lane's numbering follows the client's. A write not finished
                        // by the deadline keeps the lane's turn until it ends, and its caller is told
                        // TaskPublishException.MessageHeld: the client may still read the body and properties. A caller that
                        // cannot leave its body to the client (a retry's is the delivery's pooled buffer) has it copied first.
#pragma warning disable CA2012 // each ValueTask below is read once: here, or by the watch when its wait timed out
                        var deadline = _time.GetTimestamp() + (long)(_options.PublishTimeout.TotalSeconds * _time.TimestampFrequency);
                        if (!lane.Sending.Wait(0, CancellationToken.None) && !await lane.Sending.WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false))
                        {
                            throw new TaskPublishException(
                                $"TaskFlow: no turn to publish task '{taskName}'{Id(properties.CorrelationId)} within {_options.PublishTimeout} (RabbitMqOptions.PublishTimeout): its channel was still writing an earlier publish{Blocked()}. It was not enqueued.",
                                null,
                                properties.CorrelationId,
                                mayHaveBeenEnqueued: false);
                        }

                        ConfirmTracker.Confirmation confirmation;
                        var turnPassed = false;
                        try
                        {
                            if (lane.TrackerOf(channel) is not { } tracker)
                            {
                                throw new BrokerUnavailableException("the publishing channel was replaced", null);
                            }

                            var sequence = await channel.GetNextPublishSequenceNumberAsync(CancellationToken.None).ConfigureAwait(false);
                            confirmation = tracker.Track(sequence, properties.CorrelationId, exchange, routingKey);
                            ValueTask write;
                            try
                            {
                                write = channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, canLeaveHeld ? body : body.ToArray(), CancellationToken.None);
                            }
                            catch (Exception)
                            {
                                Lane.WriteFailed(channel, tracker, confirmation);
                                throw;
                            }

                            if (write.IsCompletedSuccessfully)
                            {
                                write.GetAwaiter().GetResult();
                            }
                            else
                            {
                                // Still being written (the client's frame queue is full, or the broker has blocked
                                // the connection): the lane's turn passes on when the write ends.
                                turnPassed = true;
                                var writing = lane.FinishWriteAsync(write, channel, tracker, confirmation);
                                if (!await _watch.WaitAsync(writing, _options.PublishTimeout, deadline).ConfigureAwait(false))
                                {
                                    throw new TaskPublishException(TimedOut(taskName, properties.CorrelationId), null, properties.CorrelationId, mayHaveBeenEnqueued: true) { MessageHeld = true };
                                }

                                await writing.ConfigureAwait(false);
                            }
                        }
                        finally
                        {
                            if (!turnPassed)
                            {
                                lane.Sending.Release();
                            }
                        }

                        var confirm = new ValueTask(confirmation, confirmation.Version);
                        if (!confirm.IsCompleted)
                        {
                            var waiting = _watch.WaitAsync(confirm, _options.PublishTimeout, deadline);
                            var confirmed = cancellationToken.CanBeCanceled
                                ? await waiting.AsTask().WaitAsync(cancellationToken).ConfigureAwait(false)
                                : await waiting.ConfigureAwait(false);
                            if (!confirmed)
                            {
                                throw new TaskPublishException(TimedOut(taskName, properties.CorrelationId), null, properties.CorrelationId, mayHaveBeenEnqueued: true);
                            }
                        }

                        try
                        {
                            await confirm.ConfigureAwait(false);
                        }
                        catch (OperationInterruptedException ex) when (ChannelClose.IsChannelLevel(ex.ShutdownReason) && ex.ShutdownReason is { } reason)
                        {
                            // Written, then the broker closed the channel for an error (one publish's: 404 exchange gone,
                            // 406 message too large...) before it confirmed this one. A publish written before the one at
                            // fault was routed and may be in its queue: it is not reported "not enqueued".
                            throw new TaskPublishException(
                                $"TaskFlow: the broker closed the channel ({reason.ReplyCode} {reason.ReplyText}) before it confirmed task '{taskName}'{Id(properties.CorrelationId)}; it may have been enqueued (see TaskPublishException.MayHaveBeenEnqueued).",
                                ex,
                                properties.CorrelationId,
                                mayHaveBeenEnqueued: true);
                        }
#pragma warning restore CA2012
                    }
                    else
                    {
                        // The untracked lane (dead letters, one at a time): the timeout is a token, so that the client gives up a
                        // publish it has not written by the deadline. One token shared by the publishes of one short window (no
                        // source and timer per publish), linked only when the caller's token can be cancelled.
                        var deadline = Deadline().Token();
                        linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
                        switch (await lane.PublishUntrackedAsync(channel, exchange, routingKey, properties, body, linked?.Token ?? deadline).ConfigureAwait(false))
                        {
                            case UntrackedResult.Returned:
                                throw new TaskUnroutableException(taskName, exchange, routingKey, null, properties.CorrelationId);
                            case UntrackedResult.Nacked:
                                throw new TaskPublishException($"TaskFlow: the broker refused task '{taskName}'{Id(properties.CorrelationId)} (basic.nack); it was not enqueued.", null, properties.CorrelationId, mayHaveBeenEnqueued: false);
                        }
                    }

                    if (started != 0)
                    {
                        Telemetry.PublishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    }
                }
                catch (PublishException ex) when (ex.IsReturn)
                {
                    throw new TaskUnroutableException(taskName, exchange, routingKey, ex, properties.CorrelationId);
                }
                catch (PublishException ex)
                {
                    throw new TaskPublishException($"TaskFlow: the broker refused task '{taskName}'{Id(properties.CorrelationId)} (basic.nack); it was not enqueued.", ex, properties.CorrelationId, mayHaveBeenEnqueued: false);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TaskPublishException(TimedOut(taskName, properties.CorrelationId), ex, properties.CorrelationId, mayHaveBeenEnqueued: true);
                }
                catch (OperationInterruptedException ex) when (ChannelClose.IsChannelLevel(ex.ShutdownReason) && ex.ShutdownReason is { } reason)
                {
                    // A channel-level error (e.g. 404: the exchange does not exist): retrying cannot help.
                    throw new TaskPublishException($"TaskFlow: the broker closed the channel while publishing task '{taskName}'{Id(properties.CorrelationId)} ({reason.ReplyCode} {reason.ReplyText}); it was not enqueued.", ex, properties.CorrelationId, mayHaveBeenEnqueued: false);
                }
                catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or System.IO.IOException or ObjectDisposedException)
                {
                    // The connection went away: the message may or may not have reached the broker. Publish again
                    // (at-least-once: a duplicate is possible, a loss is not).
                    throw new BrokerUnavailableException(ex.Message, ex, mayHaveReachedBroker: true);
                }
                finally
                {
                    linked?.Dispose();
                }
            }
            finally
            {
                lane.Window.Release();
            }

            return;
        }
        catch (BrokerUnavailableException ex) when (retry)
        {
            unavailable = ex;
        }

        await RetryPublishAsync(exchange, routingKey, properties, body, taskName, unavailable, canLeaveHeld, cancellationToken).ConfigureAwait(false);
    }


    private TimeSpan Remaining(long deadline)
    {
        var left = deadline - _time.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / _time.TimestampFrequency);
    }

    public async ValueTask DisposeAsync()
    {
        _watch.Dispose();
        foreach (var lane in _lanes)
        {
            await lane.DisposeAsync().ConfigureAwait(false);
        }

        await _unstamped.DisposeAsync().ConfigureAwait(false);
    }

    private enum UntrackedResult
    {
        Confirmed,
        Nacked,
        Returned,
    }

    private sealed class Lane : IAsyncDisposable
    {
        private readonly Lock _openLock = new();
        private IChannel? _channel;
        private Task<IChannel>? _opening;
        private ConfirmTracker? _tracker;
        private TaskCompletionSource<UntrackedResult>? _pending;
        private ulong _pendingSequence;
        private bool _returned;

        /// <param name="window">Publishes in flight at once (an untracked lane has one).</param>
        /// <param name="tracked">
        /// Whether its publishes are pipelined, their confirms correlated by a <see cref="ConfirmTracker"/>; otherwise one
        /// publish at a time, its confirm correlated by <see cref="PublishUntrackedAsync"/>. The client tracks neither (it
        /// would stamp <c>x-dotnet-pub-seq-no</c> on every message).
        /// </param>
        public Lane(int window, bool tracked = true)
        {
            Tracked = tracked;
            Size = Math.Max(1, tracked ? window : 1);
            Window = new SemaphoreSlim(Size, Size);
        }

        /// <summary>Publishes in flight at once.</summary>
        public int Size { get; }

        public bool Tracked { get; }

        public SemaphoreSlim Window { get; }

        /// <summary>
        /// The turn to take the channel's next sequence number and publish (a tracked lane): held until the client has
        /// written the publish, so that number is the message's delivery tag.
        /// </summary>
        public SemaphoreSlim Sending { get; } = new(1, 1);

        /// <summary>The tracker of <paramref name="channel"/>'s confirms, or <c>null</c> when the lane has opened another since.</summary>
        public ConfirmTracker? TrackerOf(IChannel channel) => Volatile.Read(ref _tracker) is { } tracker && tracker.Channel == channel ? tracker : null;

        /// <summary>
        /// The write of a tracked publish failed. Whether the client took its sequence number, and whether the broker got
        /// the frame, is not known: the channel's numbering cannot be trusted any more, so an open channel is closed (its
        /// other pending publishes fail as "may have been enqueued" and are tried again) and the lane opens another.
        /// </summary>
        public static void WriteFailed(IChannel channel, ConfirmTracker tracker, ConfirmTracker.Confirmation confirmation)
        {
            tracker.Abandon(confirmation);
            if (channel.IsOpen)
            {
                _ = CloseQuietlyAsync(channel);
            }
        }

        /// <summary>Waits for a tracked publish's write that did not end at once, then passes the lane's turn on.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask FinishWriteAsync(ValueTask write, IChannel channel, ConfirmTracker tracker, ConfirmTracker.Confirmation confirmation)
        {
            try
            {
                await write.ConfigureAwait(false);
            }
            catch (Exception)
            {
                WriteFailed(channel, tracker, confirmation);
                throw;
            }
            finally
            {
                Sending.Release();
            }
        }

        private static async Task CloseQuietlyAsync(IChannel channel)
        {
            try
            {
                await channel.CloseAsync(Constants.ReplySuccess, "TaskFlow: a publish failed while being written; its sequence numbers are reset").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or System.IO.IOException or TimeoutException or OperationCanceledException)
            {
                // Closed already, or the connection went: the lane opens another channel either way.
            }
        }

        /// <summary>One publish on an untracked lane (the caller holds its window of one): waits for its confirm, nack or return.</summary>
        public async ValueTask<UntrackedResult> PublishUntrackedAsync(IChannel channel, string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            var pending = new TaskCompletionSource<UntrackedResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _returned = false;
            _pendingSequence = await channel.GetNextPublishSequenceNumberAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _pending, pending);
            try
            {
                await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
                return await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _pending, null);
            }
        }

        private Task OnAckAsync(object sender, RabbitMQ.Client.Events.BasicAckEventArgs e)
        {
            if (Volatile.Read(ref _pending) is { } pending && (e.DeliveryTag == _pendingSequence || (e.Multiple && e.DeliveryTag >= _pendingSequence)))
            {
                // A return comes before the confirm of the same message.
                pending.TrySetResult(_returned ? UntrackedResult.Returned : UntrackedResult.Confirmed);
            }

            return Task.CompletedTask;
        }

        private Task OnNackAsync(object sender, RabbitMQ.Client.Events.BasicNackEventArgs e)
        {
            if (Volatile.Read(ref _pending) is { } pending && (e.DeliveryTag == _pendingSequence || (e.Multiple && e.DeliveryTag >= _pendingSequence)))
            {
                pending.TrySetResult(UntrackedResult.Nacked);
            }

            return Task.CompletedTask;
        }

        private Task OnReturnAsync(object sender, RabbitMQ.Client.Events.BasicReturnEventArgs e)
        {
            if (Volatile.Read(ref _pending) is not null)
            {
                _returned = true;
            }

            return Task.CompletedTask;
        }

        /// <summary>
        /// The lane's channel, opened when it has none (or its last closed for good). One opening at a time, with no
        /// caller's token: each caller waits for it for up to <paramref name="timeout"/>, then gets a
        /// <see cref="TimeoutException"/> while the opening goes on for the next (bounded by the client's
        /// <c>ContinuationTimeout</c>). So a broker that does not answer (a blocked connection) costs each publish its
        /// timeout, not a queue of openings one after another.
        /// </summary>
        public ValueTask<IChannel> GetChannelAsync(BrokerConnections connections, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            var channel = Volatile.Read(ref _channel);
            return channel is not null && (channel.IsOpen || !ChannelClose.IsPermanent(channel))
                ? new ValueTask<IChannel>(channel)
                : new ValueTask<IChannel>(WaitForChannelAsync(connections, timeout, time, cancellationToken));
        }

        private Task<IChannel> WaitForChannelAsync(BrokerConnections connections, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            Task<IChannel> opening;
            lock (_openLock)
            {
                var channel = _channel;
                if (channel is not null && (channel.IsOpen || !ChannelClose.IsPermanent(channel)))
                {
                    return Task.FromResult(channel);
                }

                if (_opening is not { IsCompleted: false })
                {
                    _opening = OpenAsync(connections, channel);
                    // Its failure, when every caller has stopped waiting, is read here rather than left unobserved.
                    _opening.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                opening = _opening;
            }

            return opening.IsCompleted ? opening : opening.WaitAsync(timeout, time, cancellationToken);
        }

        private async Task<IChannel> OpenAsync(BrokerConnections connections, IChannel? closed)
        {
            await Task.Yield(); // out of the caller's lock
            var connection = await connections.GetAsync(ConnectionRole.Publisher, CancellationToken.None).ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(
                    publisherConfirmationsEnabled: true,
                    publisherConfirmationTrackingEnabled: false,
                    outstandingPublisherConfirmationsRateLimiter: null),
                CancellationToken.None).ConfigureAwait(false);
            if (Tracked)
            {
                var tracker = new ConfirmTracker(channel);
                tracker.Attach();
                Volatile.Write(ref _tracker, tracker);
            }
            else
            {
                channel.BasicAcksAsync += OnAckAsync;
                channel.BasicNacksAsync += OnNackAsync;
                channel.BasicReturnAsync += OnReturnAsync;
            }

            Volatile.Write(ref _channel, channel);

            // Disposed only once it is no longer the lane's: a caller that read it just before reads a closed channel, not
            // a disposed one.
            closed?.Dispose();
            return channel;
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

            Volatile.Read(ref _tracker)?.Close(null);
        }
    }

    private string TimedOut(string taskName, string? taskId) =>
        $"TaskFlow: no confirm for task '{taskName}'{Id(taskId)} within {_options.PublishTimeout}; it may not have been enqueued (see TaskPublishException.MayHaveBeenEnqueued).";

    /// <summary>Why the broker blocks the publishing connection, for an error message, or nothing.</summary>
    private string Blocked() => _connections.BlockedReason is { } reason ? $"; the broker has blocked the connection ({reason})" : string.Empty;

    private static string Id(string? taskId) => taskId is null ? string.Empty : $" [{taskId}]";
}
