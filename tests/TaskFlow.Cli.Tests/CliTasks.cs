using System;
using System.Collections.Concurrent;
using System.Threading;

namespace TaskFlow.Cli.Tests;

/// <summary>The tasks of the CLI tests. Runs are counted per task id, so that a test can prove a task ran once more, not twice.</summary>
public static partial class CliTasks
{
    /// <summary>Runs per task id in this process.</summary>
    public static readonly ConcurrentDictionary<string, int> Runs = new(StringComparer.Ordinal);

    private static int s_failing;

    /// <summary>While set, <see cref="Flaky"/> throws (with retries off: each run is dead-lettered).</summary>
    public static bool Failing
    {
        get => Volatile.Read(ref s_failing) == 1;
        set => Volatile.Write(ref s_failing, value ? 1 : 0);
    }

    [Task(Name = "cli_tests.flaky")]
    [Retry(0)]
    public static void Flaky(string key, TaskContext context)
    {
        Runs.AddOrUpdate(context.TaskId, 1, static (_, n) => n + 1);
        if (Failing)
        {
            throw new InvalidOperationException("failing on purpose: " + key);
        }
    }

    [Task(Name = "cli_tests.timeout")]
    [Retry(0)]
    public static void TimesOut(string key, TaskContext context)
    {
        Runs.AddOrUpdate(context.TaskId, 1, static (_, n) => n + 1);
        throw new TimeoutException("the service did not answer: " + key);
    }
}
