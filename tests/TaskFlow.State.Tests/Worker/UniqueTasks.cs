using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Worker;

/// <summary>
/// Unique tasks (UniqueTaskTests, and the race of <c>unique-race</c> processes). Each run counts itself in
/// <see cref="StateTasks.Runs"/> under its key and waits for its <see cref="Gate"/>, so a test decides how long it runs.
/// </summary>
public static partial class UniqueTasks
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new(StringComparer.Ordinal);

    /// <summary>The gate runs of <paramref name="key"/> wait for; <c>Gate(key).TrySetResult()</c> lets them finish.</summary>
    public static TaskCompletionSource Gate(string key) => Gates.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The default scope: one task per key until it is final.</summary>
    [Task(Name = "state_tests.unique.while_running", Unique = "job:{key}")]
    public static Task<string> WhileRunning(string key, int n, CancellationToken cancellationToken) => RunAsync(key, n, cancellationToken);

    /// <summary>One task per key until it starts.</summary>
    [Task(Name = "state_tests.unique.while_pending", Unique = "job:{key}", UniqueScope = UniqueScope.WhilePending)]
    public static Task<string> WhilePending(string key, int n, CancellationToken cancellationToken) => RunAsync(key, n, cancellationToken);

    /// <summary>One task per key for 8 seconds from the first enqueue, whatever its state.</summary>
    [Task(Name = "state_tests.unique.for_period", Unique = "job:{key}", UniqueScope = UniqueScope.ForPeriod, UniqueFor = 8)]
    public static Task<string> ForPeriod(string key, int n, CancellationToken cancellationToken) => RunAsync(key, n, cancellationToken);

    /// <summary>Runs at once (no gate): the task of the multi-process race, never consumed there.</summary>
    [Task(Name = "state_tests.unique.race", Unique = "race:{key}")]
    public static string Race(string key, int n)
    {
        StateTasks.Runs.AddOrUpdate(key, 1, static (_, count) => count + 1);
        return key + "#" + n;
    }

    private static async Task<string> RunAsync(string key, int n, CancellationToken cancellationToken)
    {
        StateTasks.Runs.AddOrUpdate(key, 1, static (_, count) => count + 1);
        await Gate(key).Task.WaitAsync(cancellationToken);
        return key + "#" + n;
    }
}
