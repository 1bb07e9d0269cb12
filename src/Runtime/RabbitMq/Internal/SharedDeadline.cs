using System;
using System.Threading;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Cancellation tokens for "at least <see cref="Timeout"/> from now", shared by the calls that start within one window
/// of <see cref="Window"/> (a sixteenth of the timeout, at most one second): one <see cref="CancellationTokenSource"/>
/// and timer per window instead of one per call. A token fires between <see cref="Timeout"/> and
/// <see cref="Timeout"/> + <see cref="Window"/> after the call that took it. A source is never disposed: its timer is
/// released when it fires, and the calls that hold its token only register on it and unregister.
/// </summary>
internal sealed class SharedDeadline
{
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly object _sync = new();
    private Slot? _slot;

    public SharedDeadline(TimeSpan timeout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _time = time;
        Timeout = timeout;
        Window = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 16, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond));
        _windowTicks = (long)(Window.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>The least time before a token fires.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How much later than <see cref="Timeout"/> a token may fire.</summary>
    public TimeSpan Window { get; }

    /// <summary>A token that fires no sooner than <see cref="Timeout"/> from now, and at most <see cref="Window"/> later.</summary>
    public CancellationToken Token()
    {
        var now = _time.GetTimestamp();
        var slot = Volatile.Read(ref _slot);
        if (slot is not null && now < slot.Until)
        {
            return slot.Source.Token;
        }

        lock (_sync)
        {
            slot = _slot;
            if (slot is null || now >= slot.Until)
            {
                // Handed out until now + window, so it fires at least Timeout after the last call that takes it.
                slot = new Slot(new CancellationTokenSource(Timeout + Window, _time), now + _windowTicks);
                Volatile.Write(ref _slot, slot);
            }

            return slot.Source.Token;
        }
    }

    private sealed record Slot(CancellationTokenSource Source, long Until);
}
