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

/// <summary>Tasks of the long-running tests (lease mode, attempts, progress, checkpoints) without a broker.</summary>
public static partial class LongTasks
{
    /// <summary>What each run saw, by key.</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Seen = new(StringComparer.Ordinal);

    /// <summary>Whether the fake transport had acked the message when the run started, by key.</summary>
    public static Func<bool>? AckedProbe { get; set; }

    private static void Note(string key, string what) => Seen.GetOrAdd(key, _ => new ConcurrentQueue<string>()).Enqueue(what);

    [Task(Name = "long.attempt", Queue = "long")]
    public static int ReportAttempt(string key, TaskContext context)
    {
        Note(key, $"attempt {context.Attempt} redelivered {context.Redelivered}");
        return context.Attempt;
    }

    // Leased because its time limit exceeds the consumer timeout the tests register (1 minute), not by LongRunning = true:
    // this assembly's tasks are also registered by configuration tests without a state store, where a declared
    // long-running task would (rightly) fail start-up. The generator tests cover LongRunning = true.
    [Task(Name = "long.leased", Queue = "long", TimeLimitSeconds = 600)]
    [Retry(2, DelaySeconds = 1, Jitter = false)]
    public static async Task Leased(string key, string mode, TaskContext context)
    {
        Note(key, $"start acked {AckedProbe?.Invoke() ?? false} attempt {context.Attempt}");
        await context.ReportProgressAsync(1, 2, "half way");
        switch (mode)
        {
            case "fail":
                throw new TimeoutException("leased failure");
            case "wait":
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
        }
    }

    [Task(Name = "long.slow", Queue = "long")]
    public static async Task Slow(string key, int milliseconds)
    {
        Note(key, "run");
        await Task.Delay(milliseconds);
    }

    [Task(Name = "long.checkpoint", Queue = "long")]
    public static async Task<int> UsesCheckpoint(TaskContext context)
    {
        await context.ReportProgressAsync(1, 10);
        context.Progress.Report(new TaskProgress(2, 10));
        await context.Checkpoints.SaveAsync(new { Step = 1 });
        return 1;
    }
}
