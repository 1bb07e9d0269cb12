using System;
using TaskFlow.Infrastructure;

namespace TaskFlow.Testing;

/// <summary>One run of a sent task by the in-process harness, or one processing of it by a worker in a tracked session.</summary>
public sealed class TaskRun
{
    internal TaskRun(SentTask task, int attempt, string outcome, TaskRunResult? result)
    {
        Task = task;
        Attempt = attempt;
        Outcome = outcome;
        Details = result;
    }

    /// <summary>The task that ran.</summary>
    public SentTask Task { get; }

    /// <summary>The attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>
    /// What became of the run, as the <c>taskflow.task.outcome</c> metric names it: <c>succeeded</c>, <c>retried</c>,
    /// <c>dead_lettered</c>, <c>expired</c>, <c>revoked</c>, <c>skipped</c>...
    /// </summary>
    public string Outcome { get; }

    /// <summary>What the task threw, when it failed (retried or dead-lettered). In-process only.</summary>
    public Exception? Exception => Details?.Exception;

    /// <summary>The task's return value when it succeeded. In-process only.</summary>
    public object? Result => Details?.Result;

    /// <summary><c>retried</c>: the backoff before the next attempt is due. In-process only.</summary>
    public TimeSpan? RetryDelay => Details?.RetryDelay;

    /// <summary>The runner's full result (in-process), or <c>null</c> (observed from a worker's telemetry).</summary>
    public TaskRunResult? Details { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Task.TaskName} [{Task.Id}] attempt {Attempt}: {Outcome}";
}
