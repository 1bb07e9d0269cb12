using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Text.Json;
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
    private static readonly AsyncLocal<TaskContext?> Ambient = new();
    private readonly JsonSerializerOptions _serializerOptions;
    private TaskCheckpoints? _checkpoints;
    private ProgressReporter? _progress;

    internal TaskContext(
        string taskId,
        string taskName,
        string queue,
        int retries,
        int attempt,
        bool redelivered,
        string? rootId,
        string? parentId,
        DateTimeOffset? eta,
        DateTimeOffset? expires,
        IReadOnlyDictionary<string, object?> headers,
        IServiceProvider services,
        JsonSerializerOptions serializerOptions,
        CancellationToken cancellationToken)
    {
        TaskId = taskId;
        TaskName = taskName;
        Queue = queue;
        Retries = retries;
        Attempt = attempt;
        Redelivered = redelivered;
        RootId = rootId;
        ParentId = parentId;
        Eta = eta;
        Expires = expires;
        Headers = headers;
        Services = services;
        CancellationToken = cancellationToken;
        _serializerOptions = serializerOptions;
    }

    /// <summary>
    /// The task running on this asynchronous flow, or <c>null</c> outside a task (Celery's <c>current_task</c>). A task
    /// sent while another runs gets that task as its parent and its root as root (Celery's <c>parent_id</c>/<c>root_id</c>).
    /// </summary>
    public static TaskContext? Current => Ambient.Value;

    /// <summary>The task id; stable across retries and redeliveries.</summary>
    public string TaskId { get; }

    /// <summary>The task name on the wire.</summary>
    public string TaskName { get; }

    /// <summary>The queue the message was consumed from (or would have been, in eager mode).</summary>
    public string Queue { get; }

    /// <summary>How many times this task has been retried before this run (Celery <c>retries</c>).</summary>
    public int Retries { get; }

    /// <summary>
    /// The attempt number of this run, starting at 1: every earlier run counts, whether it ended in a retry, its
    /// message was redelivered by the broker (a crash, a lost connection, RabbitMQ's <c>consumer_timeout</c>: the quorum
    /// queue's <c>x-delivery-count</c> or the <c>redelivered</c> flag) or, with a state store, it was cut short by a kill
    /// (the store counts runs). Without a store, a message prefetched and handed back at shutdown also counts as a
    /// delivery, so the number can be higher than the runs there were, never lower.
    /// </summary>
    public int Attempt { get; }

    /// <summary>
    /// Whether the broker delivered this message before: a run of it may have started, or even finished, without its
    /// ack reaching the broker. Make the task idempotent, or use <see cref="GetTransactionAsync(CancellationToken)"/>.
    /// </summary>
    public bool Redelivered { get; }

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

    /// <summary>The state store's record of this run; <c>null</c> without a state store or for untracked tasks.</summary>
    internal IRunRecord? Run { get; init; }

    /// <summary>
    /// The task's checkpoint in the state store: <c>await context.Checkpoints.SaveAsync(state)</c> after each step and
    /// <c>await context.Checkpoints.LoadAsync&lt;T&gt;()</c> at the start, so that a run after a crash (or a lease
    /// expiry) resumes where the last one got to. Saved in the task's transaction when it opened one
    /// (<see cref="GetTransactionAsync(CancellationToken)"/>), so work and checkpoint commit together. Needs a state store.
    /// </summary>
    public TaskCheckpoints Checkpoints => _checkpoints ??= new TaskCheckpoints(this, _serializerOptions); // made on first use: most tasks never ask

    /// <summary>
    /// <see cref="ReportProgressAsync"/> as an <see cref="IProgress{T}"/>, for APIs that take one. Reports are written
    /// in the background at the store's bounded rate; without a state store they go nowhere.
    /// </summary>
    public IProgress<TaskProgress> Progress => _progress ??= new ProgressReporter(this);

    /// <summary>
    /// Records how far the task has come, readable from <see cref="TaskHandle.GetStateAsync"/>
    /// (<see cref="TaskStateInfo.Progress"/>) while it runs. Call it as often as you like: the state store writes at most
    /// one report per <c>TaskStateOptions.ProgressInterval</c> (1 s by default) and always the last one. Without a state
    /// store (or for an untracked task) it does nothing. Never throws for a failed write (it is logged).
    /// </summary>
    public ValueTask ReportProgressAsync(long done, long? total = null, string? message = null, CancellationToken cancellationToken = default)
    {
        if (total is < 0 || done < 0)
        {
            throw new ArgumentOutOfRangeException(done < 0 ? nameof(done) : nameof(total), "TaskFlow: progress counts must not be negative.");
        }

        return Run is { } run ? run.ReportProgressAsync(new TaskProgress(done, total, message), cancellationToken) : ValueTask.CompletedTask;
    }

    internal IRunRecord RequireRun(string what) => Run
        ?? throw new InvalidOperationException($"TaskFlow: task {TaskName} asked for {what}, but there is no state store (services.AddTaskFlow(...).AddStateStore(...)) or the task is not tracked (TaskStatePolicy.Track).");

    private sealed class ProgressReporter : IProgress<TaskProgress>
    {
        private readonly TaskContext _context;

        public ProgressReporter(TaskContext context) => _context = context;

        public void Report(TaskProgress value)
        {
            ArgumentNullException.ThrowIfNull(value);
            if (_context.Run is { } run)
            {
                var pending = run.ReportProgressAsync(value, CancellationToken.None);
                if (!pending.IsCompletedSuccessfully)
                {
                    _ = pending.AsTask().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                }
            }
        }
    }

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
        RequireRun("a database transaction").GetTransactionAsync(isolationLevel, cancellationToken);

    /// <summary>
    /// Asks for this task to be retried: <c>throw context.Retry(TimeSpan.FromSeconds(30));</c>. The retry keeps
    /// the task id and counts against the retry policy's <see cref="RetryPolicy.MaxRetries"/>; past it the task
    /// is dead-lettered. Without a countdown the policy's backoff applies.
    /// </summary>
    public TaskRetryException Retry(TimeSpan? countdown = null, Exception? reason = null) => new(TaskName, countdown, reason);

    /// <summary>Makes <paramref name="context"/> the current task of this asynchronous flow (the executor, around a run).</summary>
    internal static void SetCurrent(TaskContext? context) => Ambient.Value = context;
}
