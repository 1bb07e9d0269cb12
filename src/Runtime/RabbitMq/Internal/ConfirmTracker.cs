using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Publisher confirms correlated by TaskFlow, not by RabbitMQ.Client, for one publishing lane. The client's own tracking
/// stamps an <c>x-dotnet-pub-seq-no</c> header onto every message (the broker decodes it on every publish and every
/// consumer decodes it on every delivery), and allocates a completion source, a dictionary entry and a cancellable
/// wait per publish, and resumes each publish on a thread-pool item of its own (docs/benchmarks.md, twelfth pass). Here
/// the lane's channel has confirms on and the client's tracking off; the publisher takes the channel's next sequence
/// number and publishes while it holds the lane's turn (<see cref="ConfirmedPublisher"/>), so that number is the
/// message's delivery tag, and this tracker keeps each publish's <see cref="Confirmation"/> in a ring indexed by it.
/// </summary>
/// <remarks>
/// <para>
/// <c>basic.ack</c> and <c>basic.nack</c> (one tag, or every tag up to it with <c>multiple</c>) complete their
/// confirmations; a <c>basic.return</c>, which the broker sends before the confirm of the same message, completes the
/// pending publish with the same correlation id (the task's id), exchange and routing key as returned; the channel's
/// close fails every pending one. The handlers run on the client's reader loop, so the completions are handed to the
/// thread pool, one work item per frame (a <c>multiple</c> ack completes its whole run in one).
/// </para>
/// <para>
/// A channel that automatic recovery reopens numbers its publishes from 1 again: the close before it already failed what
/// was pending, and a number that does not follow the last one tracked starts the ring over (failing anything still in
/// it, as closed).
/// </para>
/// </remarks>
internal sealed class ConfirmTracker
{
    /// <summary>Confirmations kept for reuse at most, per tracker.</summary>
    internal const int MaxPooled = 1024;

    private readonly Lock _sync = new();
    private readonly Stack<Confirmation> _pool = new();
    private Confirmation?[] _ring = new Confirmation?[64];
    private ulong _first;
    private ulong _end;

    /// <param name="channel">The channel whose publishes this tracks (<c>null</c> in tests that drive it by hand).</param>
    public ConfirmTracker(IChannel? channel) => Channel = channel;

    /// <summary>The channel whose publishes this tracks.</summary>
    public IChannel? Channel { get; }

    /// <summary>Publishes tracked and not yet confirmed, nacked, returned or failed (for tests).</summary>
    internal int Pending
    {
        get
        {
            lock (_sync)
            {
                var pending = 0;
                for (var sequence = _first; sequence < _end; sequence++)
                {
                    if (_ring[Slot(sequence)] is not null)
                    {
                        pending++;
                    }
                }

                return pending;
            }
        }
    }

    /// <summary>Confirmations back in the pool (for tests).</summary>
    internal int Pooled
    {
        get
        {
            lock (_sync)
            {
                return _pool.Count;
            }
        }
    }

    /// <summary>Subscribes to the channel's confirms, returns and close.</summary>
    public void Attach()
    {
        var channel = Channel ?? throw new InvalidOperationException("TaskFlow: a tracker without a channel has nothing to attach to.");
        channel.BasicAcksAsync += OnAckAsync;
        channel.BasicNacksAsync += OnNackAsync;
        channel.BasicReturnAsync += OnReturnAsync;
        channel.ChannelShutdownAsync += OnShutdownAsync;
    }

    /// <summary>
    /// Tracks the publish about to be made with sequence number <paramref name="sequence"/> (taken while holding the lane's
    /// turn, before publishing: its confirm may come before the publish call returns). Its outcome is read once, through
    /// <c>new ValueTask(confirmation, confirmation.Version)</c>, or the confirmation is given back with <see cref="Abandon"/>.
    /// </summary>
    public Confirmation Track(ulong sequence, string? correlationId, string exchange, string routingKey)
    {
        Confirmation confirmation;
        Confirmation? stale = null;
        lock (_sync)
        {
            confirmation = _pool.Count > 0 ? _pool.Pop() : new Confirmation(this);
            confirmation.Arm(sequence, correlationId, exchange, routingKey);
            if (_first != _end && sequence != _end)
            {
                // The channel numbers from 1 again (recovered) before its close was seen here: what was pending is lost with it.
                stale = TakeRange(_first, _end - 1, Confirmation.Closed, null);
                _first = _end;
            }

            if (_first == _end)
            {
                _first = sequence;
                _end = sequence;
            }

            if (_end - _first >= (ulong)_ring.Length)
            {
                Grow();
            }

            _ring[Slot(sequence)] = confirmation;
            _end = sequence + 1;
        }

        Dispatch(stale);
        return confirmation;
    }

    /// <summary>
    /// The publish of <paramref name="confirmation"/> failed before the broker could confirm it: takes it off the ring and
    /// back to the pool, unless an ack, nack or close completed it first (then it is left to the collector).
    /// </summary>
    public void Abandon(Confirmation confirmation)
    {
        lock (_sync)
        {
            var sequence = confirmation.Sequence;
            if (sequence < _first || sequence >= _end || _ring[Slot(sequence)] != confirmation)
            {
                return;
            }

            _ring[Slot(sequence)] = null;
            Advance();
            confirmation.Reset();
            if (_pool.Count < MaxPooled)
            {
                _pool.Push(confirmation);
            }
        }
    }

    /// <summary>Fails every pending publish (the lane's channel is gone).</summary>
    public void Close(ShutdownEventArgs? reason)
    {
        Confirmation? failed;
        lock (_sync)
        {
            failed = _first == _end ? null : TakeRange(_first, _end - 1, Confirmation.Closed, reason);
            _first = _end;
        }

        Dispatch(failed);
    }

    internal void Return(Confirmation confirmation)
    {
        lock (_sync)
        {
            if (_pool.Count < MaxPooled)
            {
                _pool.Push(confirmation);
            }
        }
    }

    private Task OnAckAsync(object sender, BasicAckEventArgs e)
    {
        Ack(e.DeliveryTag, e.Multiple);
        return Task.CompletedTask;
    }

    private Task OnNackAsync(object sender, BasicNackEventArgs e)
    {
        Nack(e.DeliveryTag, e.Multiple);
        return Task.CompletedTask;
    }

    private Task OnReturnAsync(object sender, BasicReturnEventArgs e)
    {
        Returned(e.BasicProperties.CorrelationId, e.Exchange, e.RoutingKey);
        return Task.CompletedTask;
    }

    /// <summary><c>basic.ack</c>: the publish numbered <paramref name="tag"/>, or with <paramref name="multiple"/> every one up to it, confirmed.</summary>
    internal void Ack(ulong tag, bool multiple) => Complete(tag, multiple, Confirmation.Confirmed);

    /// <summary><c>basic.nack</c>: refused by the broker.</summary>
    internal void Nack(ulong tag, bool multiple) => Complete(tag, multiple, Confirmation.Nacked);

    /// <summary><c>basic.return</c>: the pending publish of that id, exchange and routing key was unroutable.</summary>
    internal void Returned(string? correlationId, string exchange, string routingKey)
    {
        Confirmation? returned = null;
        lock (_sync)
        {
            for (var sequence = _first; sequence < _end; sequence++)
            {
                if (_ring[Slot(sequence)] is { } pending
                    && string.Equals(pending.CorrelationId, correlationId, StringComparison.Ordinal)
                    && string.Equals(pending.RoutingKey, routingKey, StringComparison.Ordinal)
                    && string.Equals(pending.Exchange, exchange, StringComparison.Ordinal))
                {
                    _ring[Slot(sequence)] = null;
                    Advance();
                    pending.SetOutcome(Confirmation.Returned, null);
                    returned = pending;
                    break;
                }
            }
        }

        Dispatch(returned);
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs e)
    {
        Close(e);
        return Task.CompletedTask;
    }

    private void Complete(ulong tag, bool multiple, int outcome)
    {
        Confirmation? completed = null;
        lock (_sync)
        {
            if (_first == _end || tag < _first)
            {
                return;
            }

            if (multiple)
            {
                completed = TakeRange(_first, Math.Min(tag, _end - 1), outcome, null);
            }
            else if (tag < _end && _ring[Slot(tag)] is { } confirmation)
            {
                _ring[Slot(tag)] = null;
                confirmation.SetOutcome(outcome, null);
                completed = confirmation;
            }

            Advance();
        }

        Dispatch(completed);
    }

    /// <summary>Takes the ring's confirmations from <paramref name="from"/> to <paramref name="to"/>, chained, with their outcome set.</summary>
    private Confirmation? TakeRange(ulong from, ulong to, int outcome, ShutdownEventArgs? reason)
    {
        Confirmation? head = null;
        Confirmation? tail = null;
        for (var sequence = from; sequence <= to; sequence++)
        {
            if (_ring[Slot(sequence)] is not { } confirmation)
            {
                continue;
            }

            _ring[Slot(sequence)] = null;
            confirmation.SetOutcome(outcome, outcome == Confirmation.Closed ? ClosedError(reason) : null);
            if (tail is null)
            {
                head = confirmation;
            }
            else
            {
                tail.NextCompleted = confirmation;
            }

            tail = confirmation;
        }

        return head;
    }

    private static AlreadyClosedException ClosedError(ShutdownEventArgs? reason) =>
        new(reason ?? new ShutdownEventArgs(ShutdownInitiator.Library, 0, "TaskFlow: the publishing channel was reopened before this publish was confirmed"));

    /// <summary>Moves the ring's start past the slots already completed.</summary>
    private void Advance()
    {
        while (_first < _end && _ring[Slot(_first)] is null)
        {
            _first++;
        }
    }

    private void Grow()
    {
        var larger = new Confirmation?[_ring.Length * 2];
        for (var sequence = _first; sequence < _end; sequence++)
        {
            larger[(int)(sequence & (ulong)(larger.Length - 1))] = _ring[Slot(sequence)];
        }

        _ring = larger;
    }

    private int Slot(ulong sequence) => (int)(sequence & (ulong)(_ring.Length - 1));

    /// <summary>Completes a chain of confirmations off the client's reader loop: their callers' continuations run there.</summary>
    private static void Dispatch(Confirmation? chain)
    {
        if (chain is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(chain, preferLocal: false);
        }
    }

    /// <summary>
    /// One tracked publish's outcome: confirmed (<see cref="GetResult"/> returns), nacked or returned (it throws
    /// RabbitMQ.Client's <see cref="PublishException"/>, as the client's own tracking does), or its channel closed (it
    /// throws <see cref="AlreadyClosedException"/>). Read once; back to its tracker's pool when read.
    /// </summary>
    internal sealed class Confirmation : IValueTaskSource, IThreadPoolWorkItem
    {
        public const int Pending = 0;
        public const int Confirmed = 1;
        public const int Nacked = 2;
        public const int Returned = 3;
        public const int Closed = 4;

        private readonly ConfirmTracker _owner;
        private ManualResetValueTaskSourceCore<bool> _core;
        private int _outcome;
        private Exception? _error;

        public Confirmation(ConfirmTracker owner) => _owner = owner;

        public short Version => _core.Version;

        public ulong Sequence { get; private set; }

        public string? CorrelationId { get; private set; }

        public string? Exchange { get; private set; }

        public string? RoutingKey { get; private set; }

        /// <summary>The next in a chain completed by one frame.</summary>
        public Confirmation? NextCompleted { get; set; }

        public void Arm(ulong sequence, string? correlationId, string exchange, string routingKey)
        {
            Sequence = sequence;
            CorrelationId = correlationId;
            Exchange = exchange;
            RoutingKey = routingKey;
            _outcome = Pending;
            _error = null;
        }

        /// <summary>Set under the tracker's lock, when the confirmation leaves the ring; made visible by <see cref="Execute"/>.</summary>
        public void SetOutcome(int outcome, Exception? error)
        {
            _outcome = outcome;
            _error = error;
        }

        /// <summary>Completes this confirmation and the ones chained after it (on a thread-pool thread).</summary>
        public void Execute()
        {
            var next = this;
            while (next is { } confirmation)
            {
                next = confirmation.NextCompleted;
                confirmation.NextCompleted = null;
                confirmation._core.SetResult(true);
            }
        }

        public void GetResult(short token)
        {
            _core.GetResult(token);
            var outcome = _outcome;
            var error = _error;
            var sequence = Sequence;
            Reset();
            _owner.Return(this);
            switch (outcome)
            {
                case Confirmed:
                    return;
                case Nacked:
                    throw new PublishException(sequence, isReturn: false);
                case Returned:
                    throw new PublishException(sequence, isReturn: true);
                default:
                    throw error ?? new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Library, 0, "TaskFlow: the publishing channel closed before this publish was confirmed"));
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        internal void Reset()
        {
            _core.Reset();
            CorrelationId = null;
            Exchange = null;
            RoutingKey = null;
            _error = null;
            _outcome = Pending;
        }
    }
}
