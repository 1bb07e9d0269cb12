using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;

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

    /// <summary>The state store's unit of work for this run; <c>null</c> without a state store or for untracked tasks.</summary>
    internal ITaskTransactionSource? Transactions { get; init; }

    /// <summary>
    /// A transaction on the state store's database in which the task does its own database work: the runtime
    /// writes the task's completion record in the same transaction and commits it when the task returns (or
    /// rolls it back when it throws), so the work happens exactly once even if the worker dies before the ack
    /// (the redelivered message finds the task succeeded and is skipped). The connection is
    /// <c>transaction.Connection</c>; pass both to Dapper. Do not commit, roll back or dispose them. Repeated calls
    /// return the same transaction. Needs <c>AddStateStore</c>.
    /// </summary>
    public ValueTask<DbTransaction> GetTransactionAsync(CancellationToken cancellationToken = default) =>
        GetTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    /// <summary>As <see cref="GetTransactionAsync(CancellationToken)"/>, with an isolation level (used when the transaction is first opened).</summary>
    public ValueTask<DbTransaction> GetTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken = default) =>
        (Transactions ?? throw new InvalidOperationException($"TaskFlow: task {TaskName} asked for a database transaction, but there is no state store (services.AddTaskFlow(...).AddStateStore(...)) or the task is not tracked (TaskStatePolicy.Track)."))
            .GetTransactionAsync(isolationLevel, cancellationToken);

    /// <summary>
    /// Asks for this task to be retried: <c>throw context.Retry(TimeSpan.FromSeconds(30));</c>. The retry keeps
    /// the task id and counts against the retry policy's <see cref="RetryPolicy.MaxRetries"/>; past it the task
    /// is dead-lettered. Without a countdown the policy's backoff applies.
    /// </summary>
    public TaskRetryException Retry(TimeSpan? countdown = null, Exception? reason = null) => new(TaskName, countdown, reason);
}
