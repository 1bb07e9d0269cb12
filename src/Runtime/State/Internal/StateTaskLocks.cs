using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// <see cref="ITaskLocks"/> over the state store's <c>lock_slot</c> permits: each held permit renews itself every third
/// of <see cref="TaskStateOptions.LeaseDuration"/> until disposed.
/// </summary>
internal sealed class StateTaskLocks : ITaskLocks
{
    /// <summary>The longest name a permit row holds.</summary>
    public const int MaxNameLength = 255;

    /// <summary>The most permits a resource may have (each is a row tried in turn).</summary>
    public const int MaxPermits = 1000;

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(1);

    private readonly TaskStateStore _store;

    public StateTaskLocks(TaskStateStore store)
    {
        _store = store;
    }

    public async Task<ITaskLock?> TryAcquireAsync(string name, int permits = 1, CancellationToken cancellationToken = default)
    {
        Check(name, permits);
        var database = _store.Database;
        var duration = database.Options.LeaseDuration;
        var taken = await database.Locks.TryAcquireAsync(name, permits, permits == 1 ? 0 : Random.Shared.Next(permits), _store.WorkerName, duration, cancellationToken).ConfigureAwait(false);
        return taken is { } held ? new StateTaskLock(database.Locks, name, held.Slot, held.Token, duration, database.Time, _store) : null;
    }

    public async Task<ITaskLock> AcquireAsync(string name, TimeSpan timeout, int permits = 1, CancellationToken cancellationToken = default)
    {
        Check(name, permits);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        var time = _store.Database.Time;
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        var delay = FirstPoll;
        while (true)
        {
            if (await TryAcquireAsync(name, permits, cancellationToken).ConfigureAwait(false) is { } held)
            {
                return held;
            }

            var left = TimeSpan.FromSeconds((double)(deadline - time.GetTimestamp()) / time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"TaskFlow: every permit of lock '{name}' ({permits}) stayed held for {timeout}.");
            }

            // Jittered, so that waiters of one lock do not all ask at once.
            var wait = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + Random.Shared.NextDouble())));
            await Task.Delay(wait < left ? wait : left, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestPoll.Ticks));
        }
    }

    private static void Check(string name, int permits)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameLength)
        {
            throw new ArgumentException($"TaskFlow: a lock name has at most {MaxNameLength} characters (got {name.Length}: '{name[..40]}...').", nameof(name));
        }

        if (permits is < 1 or > MaxPermits)
        {
            throw new ArgumentOutOfRangeException(nameof(permits), permits, $"TaskFlow: a lock has 1 to {MaxPermits} permits.");
        }
    }
}
