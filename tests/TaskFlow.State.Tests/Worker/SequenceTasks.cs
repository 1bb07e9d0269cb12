using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;

namespace TaskFlow.State.Worker;

/// <summary>
/// Ordered tasks (<c>[Task(Ordered = true)]</c>): each run records its key, its sequence argument and when it started and
/// ended, in this process and on stdout (the kill test reads every process's output).
/// </summary>
public static partial class SequenceTasks
{
    /// <summary>The runs in this process: key, sequence argument, start and end (Unix ms).</summary>
    public static readonly ConcurrentQueue<(string Key, int N, long Start, long End)> Runs = new();

    /// <summary>Ordered per account: runs of one account one at a time, in enqueue order.</summary>
    [Task(Name = "state_tests.ordered", Ordered = true, OrderKey = "account:{account}")]
    public static async Task Post(string account, int n, int milliseconds, TaskContext context)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Console.WriteLine($"ORDERED-START {account} {n} {context.TaskId} {start}");
        await Task.Delay(milliseconds);
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Runs.Enqueue((account, n, start, end));
        Console.WriteLine($"ORDERED-END {account} {n} {context.TaskId} {end}");
    }
}
