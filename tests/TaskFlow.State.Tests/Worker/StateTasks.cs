using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Worker;

/// <summary>The tasks the state store tests send. Runs are counted per key so that tests can prove a task did (not) run.</summary>
public static partial class StateTasks
{
    /// <summary>Runs per key in this process.</summary>
    public static readonly ConcurrentDictionary<string, int> Runs = new(StringComparer.Ordinal);

    /// <summary>Where the effects table lives (the test's schema).</summary>
    public static string Schema => Environment.GetEnvironmentVariable("TASKFLOW_STATE_SCHEMA") ?? "taskflow";

    /// <summary>The most tasks of a key that ran at the same time (<see cref="Overlapping"/>).</summary>
    public static readonly ConcurrentDictionary<string, int> MaxRunning = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, int> Running = new(StringComparer.Ordinal);

    private static void Count(string key) => Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);

    [Task(Name = "state_tests.add")]
    public static int Add(int a, int b, string key)
    {
        Count(key);
        return a + b;
    }

    [Task(Name = "state_tests.describe")]
    public static Task<NoteSummary> Describe(int id, string key)
    {
        Count(key);
        return Task.FromResult(new NoteSummary(id, $"note {id}", [1, 2, 3]));
    }

    [Task(Name = "state_tests.fail")]
    public static void Fail(string key)
    {
        Count(key);
        throw new InvalidOperationException("boom: " + key);
    }

    /// <summary>Fails on its first run only (no retries: the first failure dead-letters it).</summary>
    [Task(Name = "state_tests.fail_once")]
    public static void FailOnce(string key)
    {
        Count(key);
        if (Runs[key] == 1)
        {
            throw new InvalidOperationException("first run of " + key + " fails");
        }
    }

    [Task(Name = "state_tests.retry_once")]
    public static int RetryOnce(string key, TaskContext context)
    {
        Count(key);
        if (context.Retries == 0)
        {
            throw context.Retry(TimeSpan.FromMilliseconds(50));
        }

        return context.Attempt;
    }

    /// <summary>Runs for 20 ms and records how many tasks of its key ran at once.</summary>
    [Task(Name = "state_tests.overlapping")]
    public static async Task<int> Overlapping(int n, string key)
    {
        var now = Running.AddOrUpdate(key, 1, static (_, r) => r + 1);
        MaxRunning.AddOrUpdate(key, now, (_, max) => Math.Max(max, now));
        try
        {
            await Task.Delay(20);
            Count(key);
            return n;
        }
        finally
        {
            Running.AddOrUpdate(key, 0, static (_, r) => r - 1);
        }
    }

    /// <summary>
    /// At most one run per tenant across every worker (<c>[Task(MaxConcurrency = 1)]</c>): records how many of its tenant ran
    /// at once in this process, and prints its start and end (with the time) for the kill test, which reads every process.
    /// </summary>
    [Task(Name = "state_tests.limited", MaxConcurrency = 1, ConcurrencyKey = "tenant:{tenant}")]
    public static async Task Limited(string tenant, int n, int milliseconds, TaskContext context)
    {
        var key = "limited:" + tenant;
        var now = Running.AddOrUpdate(key, 1, static (_, r) => r + 1);
        MaxRunning.AddOrUpdate(key, now, (_, max) => Math.Max(max, now));
        Console.WriteLine($"LIMITED-START {tenant} {context.TaskId} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
        try
        {
            await Task.Delay(milliseconds);
            Count(key + ":" + n);
        }
        finally
        {
            Running.AddOrUpdate(key, 0, static (_, r) => r - 1);
            Console.WriteLine($"LIMITED-END {tenant} {context.TaskId} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
        }
    }

    /// <summary>
    /// Sends <paramref name="children"/> copies of itself one level down while it runs (so they get its id as parent and
    /// its root as root); at depth 0 it only counts. With <paramref name="park"/> the children go to the queue
    /// <c>{queue}-parked</c>, which nobody consumes, so they stay pending (not delayed: a delayed message whose queue is
    /// deleted before it is due blocks the shared delay levels). Returns the children's ids.
    /// </summary>
    [Task(Name = "state_tests.spawn")]
    public static async Task<string[]> Spawn(string key, int children, int depth, bool park, TaskContext context, [FromServices] Client tasks, CancellationToken cancellationToken)
    {
        Count(key);
        var ids = new string[depth > 0 ? children : 0];
        for (var i = 0; i < ids.Length; i++)
        {
            var options = new SendOptions { Queue = park ? context.Queue + "-parked" : context.Queue };
            var handle = await tasks.Spawn.ApplyAsync(key, children, depth - 1, park, options, cancellationToken);
            ids[i] = handle.Id;
        }

        return ids;
    }

    [Task(Name = "state_tests.block")]
    public static async Task Block(string key, CancellationToken cancellationToken)
    {
        Count(key);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    [Task(Name = "state_tests.sleep")]
    public static async Task Sleep(string key, int milliseconds, CancellationToken cancellationToken)
    {
        Count(key);
        await Task.Delay(milliseconds, cancellationToken);
    }

    /// <summary>Where each run of a long task started (its checkpoint), by key: one entry per run.</summary>
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<(int Attempt, int From)>> LongRuns = new(StringComparer.Ordinal);

    /// <summary>
    /// A long-running task (lease mode): <paramref name="steps"/> steps of <paramref name="stepMs"/> ms, progress reported
    /// and a checkpoint saved after each; a run resumes from the checkpoint. Returns the step it resumed from.
    /// </summary>
    [Task(Name = "state_tests.long_steps", LongRunning = true)]
    public static async Task<int> LongSteps(string key, int steps, int stepMs, TaskContext context, CancellationToken cancellationToken)
    {
        Count(key);
        var from = await context.Checkpoints.LoadAsync<int>(cancellationToken);
        LongRuns.GetOrAdd(key, _ => new()).Enqueue((context.Attempt, from));
        Console.WriteLine($"LONG-START {context.TaskId} attempt {context.Attempt} from {from}");
        for (var step = from; step < steps; step++)
        {
            await Task.Delay(stepMs, cancellationToken);
            await context.ReportProgressAsync(step + 1, steps, $"step {step + 1} of {steps}", cancellationToken);
            await context.Checkpoints.SaveAsync(step + 1, cancellationToken);
            Console.WriteLine($"LONG-STEP {context.TaskId} {step + 1}");
        }

        return from;
    }

    /// <summary>
    /// Saves checkpoint <paramref name="value"/> in the task's transaction and then fails when <paramref name="fail"/>:
    /// the checkpoint must roll back with the work.
    /// </summary>
    [Task(Name = "state_tests.checkpoint_in_transaction")]
    public static async Task<int> CheckpointInTransaction(string key, int value, bool fail, TaskContext context, CancellationToken cancellationToken)
    {
        Count(key);
        var before = await context.Checkpoints.LoadAsync<int>(cancellationToken);
        await context.GetTransactionAsync(cancellationToken);
        await context.Checkpoints.SaveAsync(value, cancellationToken);
        var reread = await context.Checkpoints.LoadAsync<int>(cancellationToken);
        if (reread != value)
        {
            throw new InvalidOperationException($"the checkpoint read back in the transaction was {reread}, not {value}");
        }
        if (fail)
        {
            throw new InvalidOperationException("failed after the checkpoint");
        }

        return before;
    }

    /// <summary>Inserts one effect row in the task's transaction: committed with the completion record, or not at all.</summary>
    [Task(Name = "state_tests.add_effect")]
    public static async Task AddEffect(string effectId, TaskContext context, CancellationToken cancellationToken)
    {
        Count(effectId);
        var transaction = await context.GetTransactionAsync(cancellationToken);
        await transaction.Connection!.ExecuteAsync(
            $"INSERT INTO {Schema}.effects (effect_id, task_id) VALUES (@EffectId, @TaskId)",
            new { EffectId = effectId, context.TaskId },
            transaction);
        Console.WriteLine($"EFFECT-WRITTEN {context.TaskId} attempt {context.Attempt}");
        if (Environment.GetEnvironmentVariable("TASKFLOW_STATE_MODE") == "kill-in-work")
        {
            Console.WriteLine("KILLING (work done, not committed)");
            Console.Out.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }
}

/// <summary>A typed result.</summary>
public sealed record NoteSummary(int Id, string Title, int[] Tags);
