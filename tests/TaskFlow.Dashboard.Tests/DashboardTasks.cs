using System;
using System.Collections.Concurrent;
using System.Threading;

namespace TaskFlow.Dashboard.Tests;

/// <summary>The tasks of the dashboard tests; runs counted per task id.</summary>
public static partial class DashboardTasks
{
    public static readonly ConcurrentDictionary<string, int> Runs = new(StringComparer.Ordinal);

    private static int s_failing;

    /// <summary>While set, <see cref="Flaky"/> throws (no retries: each run is dead-lettered).</summary>
    public static bool Failing
    {
        get => Volatile.Read(ref s_failing) == 1;
        set => Volatile.Write(ref s_failing, value ? 1 : 0);
    }

    [Task(Name = "dashboard_tests.flaky")]
    [Retry(0)]
    public static void Flaky(string key, TaskContext context)
    {
        Runs.AddOrUpdate(context.TaskId, 1, static (_, n) => n + 1);
        if (Failing)
        {
            throw new InvalidOperationException("failing on purpose: " + key);
        }
    }

    [Task(Name = "dashboard_tests.resize_image")]
    public static void ResizeImage(string key, TaskContext context) => Runs.AddOrUpdate(context.TaskId, 1, static (_, n) => n + 1);
}
