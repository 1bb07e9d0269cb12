using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Benchmarks;

/// <summary>
/// Counters at one instant: time, bytes allocated by all threads of this process, GC counts, and the CPU time
/// used so far by this process and by the broker (beam.smp, from /proc; 10 ms resolution), and the thread pool's
/// completed work items (each a hop from one thread to another: a continuation queued, a timer, an I/O completion).
/// </summary>
internal readonly record struct Snapshot(long Timestamp, long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan ProcessCpu, TimeSpan BrokerCpu, TimeSpan DatabaseCpu, long WorkItems)
{
    public static Snapshot Take() => Take(Stopwatch.GetTimestamp());

    public static Snapshot Take(long timestamp) => new(
        timestamp,
        GC.GetTotalAllocatedBytes(precise: true),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        Environment.CpuUsage.TotalTime,
        BrokerProcess.CpuTime(),
        DatabaseProcess.CpuTime(),
        ThreadPool.CompletedWorkItemCount);
}

/// <summary>
/// Where both consumers (the raw baseline's handler and TaskFlow's no-op task) report a processed message.
/// Counts completions, snapshots the first and the last one (so consumer start-up is outside the window on
/// both sides), and hands the receive time to a latency waiter when one is armed.
/// </summary>
internal static class Probe
{
    private static int _count;
    private static int _target = int.MaxValue;
    private static Snapshot _first;
    private static Snapshot _last;
    private static TaskCompletionSource _done = NewDone();
    private static TaskCompletionSource<long>? _latency;

    public static int Count => Volatile.Read(ref _count);

    public static Snapshot First => _first;

    public static Snapshot Last => _last;

    public static Task Done => _done.Task;

    /// <summary>Starts counting towards <paramref name="target"/> completions.</summary>
    public static void Reset(int target)
    {
        _done = NewDone();
        _first = default;
        _last = default;
        Volatile.Write(ref _latency, null);
        Volatile.Write(ref _target, target);
        Volatile.Write(ref _count, 0);
    }

    /// <summary>Arms a one-shot waiter that receives the Stopwatch timestamp at which the next message ran.</summary>
    public static Task<long> ArmLatency()
    {
        var source = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _latency, source);
        return source.Task;
    }

    /// <summary>Called by the message handler (raw) or the task body (TaskFlow) once per message.</summary>
    public static void Complete()
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _latency, null)?.TrySetResult(now);
        var n = Interlocked.Increment(ref _count);
        if (n == 1)
        {
            _first = Snapshot.Take(now);
        }

        if (n == Volatile.Read(ref _target))
        {
            _last = Snapshot.Take();
            _done.TrySetResult();
        }
    }

    private static TaskCompletionSource NewDone() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
