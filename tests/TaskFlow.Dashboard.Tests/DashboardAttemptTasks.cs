using System;
using System.Runtime.CompilerServices;

namespace TaskFlow.Dashboard.Tests;

/// <summary>The task of the task detail's attempts test.</summary>
public static partial class DashboardTasks
{
    /// <summary>Fails on its first two runs (each retried after 50 ms), then succeeds.</summary>
    [Task(Name = "dashboard_tests.fail_twice")]
    [Retry(3, DelaySeconds = 0.05, Backoff = RetryBackoff.Fixed, Jitter = false)]
    public static void FailTwice(string key, TaskContext context)
    {
        var run = Runs.AddOrUpdate(context.TaskId, 1, static (_, n) => n + 1);
        if (run <= 2)
        {
            Throw(key, run);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(string key, int run) => throw new TimeoutException($"the thumbnail service did not answer ({key}, run {run})");
}
