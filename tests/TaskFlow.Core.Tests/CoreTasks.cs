using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core.Tests;

/// <summary>Tasks the broker-free tests send and run.</summary>
public static partial class CoreTasks
{
    /// <summary>Runs per task id, for eager-mode assertions.</summary>
    public static readonly ConcurrentDictionary<string, int> Attempts = new(StringComparer.Ordinal);

    [Task(Name = "core.add", Queue = "core")]
    public static int Add(int a, int b) => a + b;

    [Task(Name = "core.fail", Queue = "core")]
    public static void Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Fails until its <paramref name="key"/> has been tried <paramref name="failures"/> times.</summary>
    [Task(Name = "core.flaky", Queue = "core")]
    [Retry(3, DelaySeconds = 60, Jitter = false)]
    public static int Flaky(string key, int failures, TaskContext context)
    {
        var attempt = Attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (attempt <= failures)
        {
            throw new TimeoutException($"attempt {attempt} of {key} failed");
        }

        return context.Attempt;
    }

    [Task(Name = "core.slow", Queue = "core")]
    public static async Task Slow(int milliseconds, CancellationToken cancellationToken) => await Task.Delay(milliseconds, cancellationToken);
}
