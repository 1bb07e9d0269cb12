using System;
using System.Collections.Generic;
using System.Threading;

namespace TaskFlow;

/// <summary>
/// What a running task can know about its own execution. Declare a parameter of this type on a
/// <c>[Task]</c> method to receive it; it is never serialized.
/// </summary>
public sealed class TaskContext
{
    internal TaskContext(
        string taskId,
        string taskName,
        string queue,
        int retries,
        string? rootId,
        string? parentId,
        DateTimeOffset? eta,
        DateTimeOffset? expires,
        IReadOnlyDictionary<string, object?> headers,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        TaskId = taskId;
        TaskName = taskName;
        Queue = queue;
        Retries = retries;
        RootId = rootId;
        ParentId = parentId;
        Eta = eta;
        Expires = expires;
        Headers = headers;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>The task id; stable across retries and redeliveries.</summary>
    public string TaskId { get; }

    /// <summary>The task name on the wire.</summary>
    public string TaskName { get; }

    /// <summary>The queue the message was consumed from (or would have been, in eager mode).</summary>
    public string Queue { get; }

    /// <summary>How many times this task has been retried before this run (Celery <c>retries</c>).</summary>
    public int Retries { get; }

    /// <summary>The attempt number of this run, starting at 1.</summary>
    public int Attempt => Retries + 1;

    /// <summary>Celery <c>root_id</c>: the first task of the workflow.</summary>
    public string? RootId { get; }

    /// <summary>Celery <c>parent_id</c>: the task that enqueued this one, if any.</summary>
    public string? ParentId { get; }

    /// <summary>The earliest time the task was meant to run, if it was delayed.</summary>
    public DateTimeOffset? Eta { get; }

    /// <summary>The instant after which the task must not start, if any.</summary>
    public DateTimeOffset? Expires { get; }

    /// <summary>All message headers, Celery's and TaskFlow's. String values are decoded from UTF-8.</summary>
    public IReadOnlyDictionary<string, object?> Headers { get; }

    /// <summary>The DI scope the task runs in.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Cancelled when the worker shuts down past its grace period or a time limit is hit.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Asks for this task to be retried: <c>throw context.Retry(TimeSpan.FromSeconds(30));</c>. The retry keeps
    /// the task id and counts against the retry policy's <see cref="RetryPolicy.MaxRetries"/>; past it the task
    /// is dead-lettered. Without a countdown the policy's backoff applies.
    /// </summary>
    public TaskRetryException Retry(TimeSpan? countdown = null, Exception? reason = null) => new(TaskName, countdown, reason);
}
