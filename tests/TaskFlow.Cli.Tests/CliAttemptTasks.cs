using System;
using System.Runtime.CompilerServices;

namespace TaskFlow.Cli.Tests;

/// <summary>The task of the attempt tests of <c>taskflow task</c>.</summary>
public static partial class CliTasks
{
    /// <summary>Fails on its first two runs (each retried after 50 ms), then succeeds.</summary>
    [Task(Name = "cli_tests.fail_twice")]
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
    private static void Throw(string key, int run) => throw new InvalidOperationException($"cli attempt {run} of {key} failed");
}
