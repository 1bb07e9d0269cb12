using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;

namespace TaskFlow.Core;

/// <summary>
/// A queue's task slots: how many tasks run at once (<c>WorkerQueueOptions.Concurrency</c>). The channel dispatches
/// more messages than that at once so that the work around a run (the state store's read before it, the commit and
/// the ack after it) overlaps with other tasks' runs instead of holding a slot; only the run itself takes one.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A SemaphoreSlim whose AvailableWaitHandle is never used holds no unmanaged resource.")]
internal sealed class TaskSlots
{
    private readonly SemaphoreSlim _slots;
    private volatile bool _closed;

    public TaskSlots(int count)
    {
        _slots = new SemaphoreSlim(count, count);
    }

    /// <summary>Waits for a slot; false (and no slot held) when the queue stopped taking work meanwhile.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> EnterAsync()
    {
        if (_closed)
        {
            return false;
        }

        if (!_slots.Wait(0))
        {
            await _slots.WaitAsync().ConfigureAwait(false);
        }

        if (_closed)
        {
            _slots.Release();
            return false;
        }

        return true;
    }

    public void Exit() => _slots.Release();

    /// <summary>No new runs: messages waiting for a slot get false from <see cref="EnterAsync"/> (and go back to the queue).</summary>
    public void Close() => _closed = true;

    /// <summary>
    /// How many deliveries a consumer processes at once for <paramref name="concurrency"/> slots and <paramref name="prefetch"/>
    /// (the others wait in the consumer, in order).
    /// With a state store (<paramref name="overlap"/>) up to 64 more than the slots, so that the store's read and commit of
    /// some messages overlap with the runs of others; without one there is nothing to overlap and each dispatched
    /// message takes a slot at once (a wider dispatch only adds contention).
    /// </summary>
    public static ushort DispatchConcurrency(int concurrency, int prefetch, bool overlap) =>
        (ushort)(overlap ? System.Math.Min(prefetch, concurrency + System.Math.Max(concurrency, TaskFlowDefaults.StoreDispatchAhead)) : concurrency);
}
