using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>One held permit: renews itself every third of its lease in the background, and releases it when disposed.</summary>
internal sealed class StateTaskLock : ITaskLock
{
    private readonly LockSlots _slots;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private readonly TaskStateStore _store;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private int _disposed;

    public StateTaskLock(LockSlots slots, string name, int slot, long token, TimeSpan duration, TimeProvider time, TaskStateStore store)
    {
        _slots = slots;
        Name = name;
        Slot = slot;
        FencingToken = token;
        _duration = duration;
        _time = time;
        _store = store;
        _renewal = Task.Run(RenewAsync);
    }

    public string Name { get; }

    public int Slot { get; }

    public long FencingToken { get; }

    public CancellationToken Lost => _lost.Token;

    private async Task RenewAsync()
    {
        var interval = _duration / 3;
        var heldUntil = _time.GetUtcNow() + _duration;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                var now = _time.GetUtcNow();
                if (!await _slots.RenewAsync(Name, Slot, FencingToken, _duration, _stop.Token).ConfigureAwait(false))
                {
                    StateLog.LockLost(_store.Logger, Name, Slot, "another holder took it");
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                heldUntil = now + _duration;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is unreachable: the permit holds until its lease runs out, then counts as lost.
                if (_time.GetUtcNow() >= heldUntil)
                {
                    StateLog.LockLost(_store.Logger, Name, Slot, "it could not be renewed before its lease ran out: " + ex.Message);
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        try
        {
            if (!_lost.IsCancellationRequested)
            {
                await _slots.ReleaseAsync(Name, Slot, FencingToken, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Not released: it expires at the end of its lease.
            StateLog.LockReleaseFailed(_store.Logger, ex, Name, Slot);
        }
        finally
        {
            // _lost stays undisposed: the holder may still read Lost.
            _stop.Dispose();
        }
    }
}
