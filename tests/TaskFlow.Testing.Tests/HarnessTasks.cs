using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow;

namespace TaskFlow.Testing.Tests;

/// <summary>Side effects of the harness tasks, per service provider.</summary>
public sealed class Effects
{
    public ConcurrentQueue<string> Log { get; } = new();

    private int _attempts;

    public int Attempts
    {
        get => Volatile.Read(ref _attempts);
        set => Volatile.Write(ref _attempts, value);
    }

    public int NextAttempt() => Interlocked.Increment(ref _attempts);
}

/// <summary>The tasks the harness tests send and run.</summary>
public static partial class HarnessTasks
{
    [Task(Name = "harness.welcome", Queue = "emails")]
    public static void SendWelcomeEmail(int userId, string? template, [FromServices] Effects effects) =>
        effects.Log.Enqueue($"welcome {userId} {template}");

    [Task(Name = "harness.score")]
    public static int Score(long userId, int bonus = 5) => (int)userId * 10 + bonus;

    /// <summary>Sends one welcome email per user: tasks sent by a task.</summary>
    [Task(Name = "harness.fan_out")]
    public static async Task FanOut(int[] userIds, [FromServices] Client tasks, CancellationToken cancellationToken)
    {
        foreach (var id in userIds)
        {
            await tasks.SendWelcomeEmail.DelayAsync(id, "fan", cancellationToken);
        }
    }

    /// <summary>Fails its first two attempts, then succeeds; retried with a 10 s backoff.</summary>
    [Task(Name = "harness.flaky")]
    [Retry(3, DelaySeconds = 10, Backoff = RetryBackoff.Fixed, Jitter = false)]
    public static string Flaky(string key, [FromServices] Effects effects)
    {
        var attempt = effects.NextAttempt();
        if (attempt <= 2)
        {
            throw new TimeoutException($"attempt {attempt} of {key} timed out");
        }

        effects.Log.Enqueue($"flaky {key} on attempt {attempt}");
        return key + "!";
    }

    [Task(Name = "harness.limited", TimeLimitSeconds = 30)]
    public static void Limited(int n, [FromServices] Effects effects) => effects.Log.Enqueue($"limited {n}");
}

/// <summary>Tasks on the default queue only: the broker tests give each test its own default queue.</summary>
public static partial class BrokerTasks
{
    [Task(Name = "harness.broker.leaf")]
    public static long Leaf(long userId, [FromServices] Effects effects)
    {
        effects.Log.Enqueue($"leaf {userId}");
        return userId * 2;
    }

    /// <summary>Sends one leaf per id.</summary>
    [Task(Name = "harness.broker.relay")]
    public static async Task Relay(long[] userIds, [FromServices] Client tasks, CancellationToken cancellationToken)
    {
        foreach (var id in userIds)
        {
            await tasks.Leaf.DelayAsync(id, cancellationToken);
        }
    }

    /// <summary>Fails its first attempt; retried after a second.</summary>
    [Task(Name = "harness.broker.flaky")]
    [Retry(2, DelaySeconds = 1, Backoff = RetryBackoff.Fixed, Jitter = false)]
    public static string FlakyOnce(string key, [FromServices] Effects effects)
    {
        if (effects.NextAttempt() == 1)
        {
            throw new TimeoutException("first attempt fails");
        }

        effects.Log.Enqueue($"flaky {key}");
        return key;
    }
}
