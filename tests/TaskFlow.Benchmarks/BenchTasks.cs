using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Benchmarks;

/// <summary>
/// The benchmark's only task: a no-op that reports to <see cref="Probe"/>. Its queue is the options'
/// DefaultQueue, so that each run and phase gets a fresh queue while callers use the generated
/// <c>DelayAsync</c> unchanged. ~128-byte body: an 8-byte timestamp argument and a padding string.
/// </summary>
public partial class BenchTasks
{
    /// <summary>Counts the completion; <paramref name="sentAt"/> and <paramref name="payload"/> are only carried.</summary>
    [Task]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "An instance task, the common shape: the worker resolves the container per message.")]
    public Task Noop(long sentAt, string payload)
    {
        _ = sentAt;
        _ = payload;
        Probe.Complete();
        return Task.CompletedTask;
    }

    private static int _sleepCount;
    private static long _sleepLastMs;

    /// <summary>Runs of <see cref="Sleep"/> in this process (the scale mode's worker processes report it).</summary>
    public static int SleepCount => Volatile.Read(ref _sleepCount);

    private static long _sleepMarkMs;

    /// <summary>
    /// After how many runs of <see cref="Sleep"/> this process marks the time and its CPU (the scale mode times from the
    /// mark, so that start-up and the first JIT compilations fall outside its window); 0: never.
    /// </summary>
    public static int SleepWarmup { get; set; }

    /// <summary>When run number <see cref="SleepWarmup"/> of <see cref="Sleep"/> ended, Unix milliseconds (0: not yet).</summary>
    public static long SleepMarkMs => Interlocked.Read(ref _sleepMarkMs);

    /// <summary>This process's CPU time at <see cref="SleepMarkMs"/>.</summary>
    public static TimeSpan SleepMarkCpu { get; private set; }

    /// <summary>When the latest run of <see cref="Sleep"/> ended, Unix milliseconds.</summary>
    public static long SleepLastMs => Interlocked.Read(ref _sleepLastMs);

    /// <summary>The scale mode's I/O-bound task: waits <paramref name="ms"/> milliseconds, then counts itself.</summary>
    [Task]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "An instance task, like Noop.")]
    public async Task Sleep(int ms)
    {
        await Task.Delay(ms).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long seen;
        while ((seen = Interlocked.Read(ref _sleepLastMs)) < now && Interlocked.CompareExchange(ref _sleepLastMs, now, seen) != seen)
        {
        }

        if (Interlocked.Increment(ref _sleepCount) == SleepWarmup)
        {
            SleepMarkCpu = Environment.CpuUsage.TotalTime;
            Interlocked.Exchange(ref _sleepMarkMs, now);
        }
    }
}
