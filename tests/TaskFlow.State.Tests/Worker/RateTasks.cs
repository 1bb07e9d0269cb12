using System;
using System.Collections.Concurrent;

namespace TaskFlow.State.Worker;

/// <summary>Rate-limited tasks (<c>[Task(RateLimit)]</c>): each run records when it started, in this process and on stdout.</summary>
public static partial class RateTasks
{
    /// <summary>Start times (Unix ms) per key of runs in this process.</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<long>> Starts = new(StringComparer.Ordinal);

    private static void Record(string key, int n, TaskContext context)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Starts.GetOrAdd(key, static _ => new ConcurrentQueue<long>()).Enqueue(now);
        // How late the run started after the slot it reserved (when it waited round the delay levels for it).
        var late = context.Headers.TryGetValue(TaskFlow.Protocol.MessageHeaders.RateSlot, out var slot) && slot is string text
            ? now - DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()
            : -1;
        Console.WriteLine($"RATED-RUN {key} {n} {now} {late}");
    }

    /// <summary>10 runs a second across every worker (2 at once after a quiet spell), for the task as a whole.</summary>
    [Task(Name = "state_tests.rated", RateLimit = "10/s", RateLimitBurst = 2)]
    public static void Rated(string key, int n, TaskContext context) => Record(key, n, context);

    /// <summary>2 runs a second per key.</summary>
    [Task(Name = "state_tests.rated_per_key", RateLimit = "2/s", RateLimitKey = "rated:{key}")]
    public static void RatedPerKey(string key, int n, TaskContext context) => Record(key, n, context);

    /// <summary>No limit: runs whenever a slot is free.</summary>
    [Task(Name = "state_tests.unrated")]
    public static void Unrated(string key, int n, TaskContext context) => Record(key, n, context);
}
