using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Scheduling;

namespace TaskFlow.Scheduling.Worker;

/// <summary>The tasks the scheduling tests schedule. Runs are recorded per schedule key, with how many ran at once.</summary>
public static partial class ScheduledTasks
{
    private static readonly ConcurrentDictionary<string, int> RunningNow = new(StringComparer.Ordinal);

    /// <summary>Runs per key in this process.</summary>
    public static readonly ConcurrentDictionary<string, int> Runs = new(StringComparer.Ordinal);

    /// <summary>The most runs of a key at the same time in this process.</summary>
    public static readonly ConcurrentDictionary<string, int> MaxRunning = new(StringComparer.Ordinal);

    /// <summary>A no-op: the fires are what is counted.</summary>
    [Task(Name = "scheduling_tests.tick")]
    public static void Tick(string key) => Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);

    /// <summary>A slow task (overlap policies): sleeps, cancellable by a revoke.</summary>
    [Task(Name = "scheduling_tests.slow")]
    public static async Task Slow(string key, int milliseconds, CancellationToken cancellationToken)
    {
        var running = RunningNow.AddOrUpdate(key, 1, static (_, n) => n + 1);
        MaxRunning.AddOrUpdate(key, running, (_, max) => Math.Max(max, running));
        Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
        }
        finally
        {
            RunningNow.AddOrUpdate(key, 0, static (_, n) => n - 1);
        }
    }

    /// <summary>Declared with a cron expression in a time zone (the generated registration stores it).</summary>
    [Task(Name = "scheduling_tests.nightly")]
    [Periodic("30 2 * * *", TimeZone = "Europe/Paris", Overlap = OverlapPolicy.BufferOne, CatchUp = CatchUpPolicy.Skip)]
    public static void Nightly()
    {
    }

    /// <summary>Two schedules of one task with constant arguments: an interval and a 6-field cron expression.</summary>
    [Task(Name = "scheduling_tests.report")]
    [Periodic(Every = "00:05:00", Name = "report-eu", Arguments = new object[] { "eu", 3 })]
    [Periodic("*/10 * * * * *", Name = "report-us", Arguments = new object[] { "us", 1 }, CatchUp = CatchUpPolicy.RunAll, CatchUpWindow = "01:00:00")]
    public static void Report(string region, int depth)
    {
    }
}
