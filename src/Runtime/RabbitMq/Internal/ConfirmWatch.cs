using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// The publish timeout without a cancellation registration per publish. Handed a cancellable token, RabbitMQ.Client
/// registers on it wherever it waits: with the timeout's token on every publish that cost up to 4 us per message in bulk
/// sends (docs/benchmarks.md, tenth pass). Instead the waits of a publish (for its write into the client, then for its
/// confirm, <see cref="ConfirmTracker"/>) are kept here in a list in deadline order; one timer, every
/// <see cref="Window"/>, ends the waits that are past their deadline.
/// </summary>
/// <remarks>
/// <para>
/// A wait that ended leaves its operation running (a write the client has not finished, a confirm not yet come); its
/// outcome is then read here (an exception is observed, not left unobserved). Waiters are pooled: a wait costs no
/// allocation once the pool is warm.
/// </para>
/// <para>
/// The client reads a publish's body and properties only when it writes the publish, which a broker that has blocked
/// the connection can hold back for as long as the block lasts. So the caller of a write whose wait ended must not reuse
/// that memory (it drops it). The lane lets no other publish into the client meanwhile (<see cref="ConfirmedPublisher"/>),
/// so held publishes cannot pile up.
/// </para>
/// </remarks>
internal sealed class ConfirmWatch : IDisposable
{
    /// <summary>Waiters kept for reuse at most.</summary>
    internal const int MaxPooled = 1024;

    private readonly TimeProvider _time;
    private readonly object _sync = new();
    private readonly Stack<Waiter> _pool = new();
    private Waiter? _head;
    private Waiter? _tail;
    private int _count;
    private ITimer? _timer;
    private TimeSpan _timeout;
    private bool _disposed;

    public ConfirmWatch(TimeProvider time) => _time = time;

    /// <summary>How much later than its deadline a wait may end (the timer's period): 1/16 of the timeout, 1 ms to 1 s.</summary>
    public TimeSpan Window { get; private set; }

    /// <summary>Waits being watched (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_sync)
            {
                return _count;
            }
        }
    }

    /// <summary>Waiters back in the pool (for tests).</summary>
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

    /// <summary>
    /// Waits for <paramref name="publish"/> to complete (<c>true</c>) or for <paramref name="timeout"/> to pass
    /// (<c>false</c>). On <c>true</c> the caller reads the publish's outcome itself (awaits it once); on <c>false</c> it
    /// must not: the watch reads it when it comes.
    /// </summary>
    public ValueTask<bool> WaitAsync(ValueTask publish, TimeSpan timeout) =>
        WaitAsync(publish, timeout, _time.GetTimestamp() + Ticks(timeout));

    /// <summary>
    /// As <see cref="WaitAsync(ValueTask, TimeSpan)"/>, until <paramref name="deadline"/> (a <see cref="TimeProvider"/>
    /// timestamp; several waits of one publish share it). <paramref name="timeout"/> sets the timer's period.
    /// </summary>
    public ValueTask<bool> WaitAsync(ValueTask publish, TimeSpan timeout, long deadline)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Waiter waiter;
        bool disposed;
        lock (_sync)
        {
            disposed = _disposed;
            waiter = _pool.Count > 0 ? _pool.Pop() : new Waiter(this);
            waiter.Arm(publish, deadline);
            if (disposed)
            {
                // The publisher is being disposed: no timer will end this wait, so it ends now, and the publish is held
                // until the client ends it (its channel is being closed).
                waiter.State = Waiter.TimedOut;
            }
            else
            {
                if (timeout != _timeout)
                {
                    Retime(timeout);
                }

                Link(waiter);
            }
        }

        var pending = new ValueTask<bool>(waiter, waiter.Version);
        if (disposed)
        {
            waiter.Complete(false);
        }

        waiter.Listen();
        return pending;
    }

    /// <summary>Stops the timer and ends the waits still listed as timed out (their publishes are held until the client ends them).</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }

        End(long.MaxValue);
    }

    private void Retime(TimeSpan timeout)
    {
        // A changed timeout (RabbitMqOptions.PublishTimeout is read per publish): the timer's period follows it.
        _timeout = timeout;
        Window = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 16, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond));
        if (_timer is null)
        {
            // No execution context captured: the timer outlives the publish that made it.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = _time.CreateTimer(static state => ((ConfirmWatch)state!).Tick(), this, Window, Window);
            }
        }
        else
        {
            _timer.Change(Window, Window);
        }
    }

    private void Tick() => End(_time.GetTimestamp());

    /// <summary>Ends, as timed out, the listed waits whose deadline is at or before <paramref name="now"/>.</summary>
    private void End(long now)
    {
        Waiter? expired = null;
        lock (_sync)
        {
            while (_head is { } waiter && waiter.Deadline <= now)
            {
                Unlink(waiter);
                waiter.State = Waiter.TimedOut;
                waiter.NextExpired = expired;
                expired = waiter;
            }
        }

        while (expired is { } waiter)
        {
            expired = waiter.NextExpired;
            waiter.NextExpired = null;
            // Its continuation (the publish's caller, with the timeout's exception) runs elsewhere, not on the timer.
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.Complete(false), waiter, preferLocal: false);
        }
    }

    /// <summary>The publish completed: <c>true</c> when its wait had not ended yet (and is now taken off the list).</summary>
    private bool Published(Waiter waiter)
    {
        lock (_sync)
        {
            if (waiter.State != Waiter.Waiting)
            {
                return false;
            }

            waiter.State = Waiter.Done;
            Unlink(waiter);
            return true;
        }
    }

    private void Return(Waiter waiter)
    {
        lock (_sync)
        {
            if (_pool.Count < MaxPooled)
            {
                _pool.Push(waiter);
            }
        }
    }

    /// <summary>Into the list in deadline order: from its tail, where almost every wait goes (deadlines mostly grow).</summary>
    private void Link(Waiter waiter)
    {
        var before = _tail;
        while (before is not null && before.Deadline > waiter.Deadline)
        {
            before = before.Previous;
        }

        waiter.Previous = before;
        waiter.Next = before is null ? _head : before.Next;
        if (before is null)
        {
            _head = waiter;
        }
        else
        {
            before.Next = waiter;
        }

        if (waiter.Next is null)
        {
            _tail = waiter;
        }
        else
        {
            waiter.Next.Previous = waiter;
        }

        _count++;
    }

    private long Ticks(TimeSpan timeout) => (long)(timeout.TotalSeconds * _time.TimestampFrequency);

    private void Unlink(Waiter waiter)
    {
        if (waiter.Previous is null)
        {
            _head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = null;
        waiter.Next = null;
        _count--;
    }

    /// <summary>One publish's wait: completed by the publish or by the timer, whichever is first; reused once both the caller and the publish are done with it.</summary>
    private sealed class Waiter : IValueTaskSource<bool>
    {
        public const int Waiting = 0;
        public const int Done = 1;
        public const int TimedOut = 2;

        private readonly ConfirmWatch _owner;
        private readonly Action _onPublished;
        private ManualResetValueTaskSourceCore<bool> _core;
        private ValueTask _publish;

        // Two holders: the caller (until it has read the result) and the publish (until its completion was handled).
        private int _holders;

        public Waiter(ConfirmWatch owner)
        {
            _owner = owner;
            _onPublished = OnPublished;
        }

        public short Version => _core.Version;

        public long Deadline { get; private set; }

        /// <summary><see cref="Waiting"/>, <see cref="Done"/> or <see cref="TimedOut"/>; changed under the watch's lock.</summary>
        public int State { get; set; }

        public Waiter? Previous { get; set; }

        public Waiter? Next { get; set; }

        public Waiter? NextExpired { get; set; }

        public void Arm(ValueTask publish, long deadline)
        {
            _publish = publish;
            Deadline = deadline;
            State = Waiting;
            _holders = 2;
        }

        /// <summary>Called once the waiter is on the list: the publish's completion comes back here.</summary>
        public void Listen() => _publish.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onPublished);

        public void Complete(bool published) => _core.SetResult(published);

        public bool GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                Release();
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void OnPublished()
        {
            if (_owner.Published(this))
            {
                // The caller reads the publish's outcome itself.
                _publish = default;
                Complete(true);
            }
            else
            {
                // The wait ended first: the outcome (a late confirm, a nack, the channel's close) is read and dropped here.
                try
                {
                    _publish.GetAwaiter().GetResult();
                }
                catch (Exception)
                {
                    // Observed: the caller already had its timeout.
                }

                _publish = default;
            }

            Release();
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                _core.Reset();
                _owner.Return(this);
            }
        }
    }
}
