using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using TaskFlow.State.Internal;

namespace TaskFlow.State;

/// <summary>
/// TaskFlow's state store: task states and results, revoke, entity locks, the transactional outbox and the
/// schema. Registered by <c>AddStateStore(...)</c>; inject it where you need it (e.g. a status endpoint).
/// Handles returned by the proxies use it for <c>GetStateAsync</c>/<c>WaitAsync</c>.
/// </summary>
public sealed partial class TaskStateStore : ITaskStateStore, ITaskRevoker, IAsyncDisposable
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(1);
    private readonly TaskFlowOptions _flow;

    private readonly Lazy<string> _workerName;

    internal TaskStateStore(IOptions<TaskStateOptions> options, IOptions<TaskFlowOptions> flow, TimeProvider time, ILoggerFactory loggers, Func<string?>? workerName = null)
    {
        _workerName = new Lazy<string>(() => EffectiveWorkerName(options.Value, workerName));
        var logger = loggers.CreateLogger("TaskFlow.State");
        Logger = logger;
        Database = new StateDatabase(options.Value, time, logger);
        Writer = new StateWriter(Database.States, Database.Options, time, logger);
        Reader = new StateReader(Database.States, logger);
        _flow = flow.Value;
        Recorder = new StateRecorder(this);
        WaiterReads = new WaiterReads(Database.States.GetManyAsync, caseInsensitiveIds: options.Value.Provider == StateStoreProvider.SqlServer);
        if (options.Value.Notifications is { } receiver && Database.Dialect.Notifications is { } notifications)
        {
            Waits = new StateWaits(Database, receiver, notifications, logger);
        }
    }

    /// <summary>The waiters and the listening connection, with <see cref="TaskStateOptions.Notifications"/> on PostgreSQL; else <c>null</c> (waiters poll).</summary>
    internal StateWaits? Waits { get; }

    /// <summary>The reads of <see cref="WaitAsync"/>, coalesced into one query at a time.</summary>
    internal WaiterReads WaiterReads { get; }

    /// <summary>The store behind the core's recorder seam.</summary>
    internal StateRecorder Recorder { get; }

    internal StateDatabase Database { get; }

    internal StateWriter Writer { get; }

    internal StateReader Reader { get; }

    internal RunningTasks Running { get; } = new();

    internal ILogger Logger { get; }

    internal TaskStateOptions Options => Database.Options;

    /// <summary>This process in the <c>worker</c> column: <see cref="TaskStateOptions.WorkerName"/> when set, else the worker's name.</summary>
    internal string WorkerName => _workerName.Value;

    internal JsonSerializerOptions SerializerOptions => _flow.SerializerOptions;

    internal TaskFlowOptions FlowOptions => _flow;

    /// <summary>
    /// A task's attempts, oldest first (schema version 13): each attempt that ended in an error (retrying, failed,
    /// dead-lettered, a time limit, a lost worker's lease) with its error and stack, then its last attempt from its record
    /// when that did not end in an error (it succeeded or runs). Empty for an unknown task or one that never ran.
    /// </summary>
    public Task<IReadOnlyList<TaskAttemptInfo>> GetAttemptsAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        return Database.States.GetAttemptsAsync(taskId, cancellationToken);
    }

    /// <summary>What the store knows about a task, or <c>null</c> when nothing (unknown id, or its record expired).</summary>
    public Task<TaskStateInfo?> GetAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        return Database.States.GetAsync(taskId, cancellationToken);
    }

    /// <summary>
    /// Waits until the task is in a final state and returns its record. With <see cref="TaskStateOptions.Notifications"/>
    /// (PostgreSQL) it reads the record once and then waits for the notification of its final state, reading again only
    /// every <see cref="TaskStateOptions.WaitPollInterval"/> (5 s) in case one was lost; otherwise it polls with backoff
    /// (20 ms doubling to 1 s), so many waiters do not hammer the database. The reads of a store's waiters are shared:
    /// one query at a time reads every id asked for meanwhile, on one connection. Throws <see cref="TimeoutException"/> after
    /// <paramref name="timeout"/>. See docs/state.md#waiting-for-a-result.
    /// </summary>
    public Task<TaskStateInfo> WaitAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        return Waits is { } waits ? WaitNotifiedAsync(waits, taskId, timeout, cancellationToken) : PollAsync(taskId, timeout, cancellationToken);
    }

    /// <summary>Register, read, then await the notification (or the safety poll's interval); again until final or the deadline.</summary>
    private async Task<TaskStateInfo> WaitNotifiedAsync(StateWaits waits, string taskId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var time = Database.Time;
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            // Registered before the read: a commit after the read is notified to this registration.
            using var registration = waits.Register(taskId);
            var last = await WaiterReads.ReadAsync(taskId, cancellationToken).ConfigureAwait(false);
            if (last is { IsFinal: true })
            {
                return last;
            }

            var left = TimeSpan.FromSeconds((double)(deadline - time.GetTimestamp()) / time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                throw NotFinished(taskId, timeout, last);
            }

            var poll = Options.WaitPollInterval;
            try
            {
                await registration.Signalled.WaitAsync(poll < left ? poll : left, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // the safety poll: read again
            }
        }
    }

    private static TimeoutException NotFinished(string taskId, TimeSpan timeout, TaskStateInfo? last) =>
        new($"TaskFlow: task [{taskId}] did not finish within {timeout} (it is {(last is null ? "unknown to the state store" : last.State.ToWireName())}).");

    private async Task<TaskStateInfo> PollAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var time = Database.Time;
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        var delay = FirstPoll;
        TaskStateInfo? last = null;
        while (true)
        {
            last = await WaiterReads.ReadAsync(taskId, cancellationToken).ConfigureAwait(false);
            if (last is { IsFinal: true })
            {
                return last;
            }

            var left = TimeSpan.FromSeconds((double)(deadline - time.GetTimestamp()) / time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                throw NotFinished(taskId, timeout, last);
            }

            await Task.Delay(delay < left ? delay : left, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestPoll.Ticks));
        }
    }

    /// <summary>The result of a task that succeeded; throws <see cref="TaskNotSucceededException"/> when it ended otherwise and <see cref="InvalidOperationException"/> when it has not finished.</summary>
    public async Task<TResult> GetResultAsync<TResult>(string taskId, CancellationToken cancellationToken = default)
    {
        var info = await GetAsync(taskId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"TaskFlow: task [{taskId}] is unknown to the state store (never recorded, or its record expired).");
        return ResultOf<TResult>(info);
    }

    /// <summary>Waits for a task to finish and returns its result (see <see cref="WaitAsync"/> and <see cref="GetResultAsync{TResult}"/>).</summary>
    public async Task<TResult> WaitForResultAsync<TResult>(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var info = await WaitAsync(taskId, timeout, cancellationToken).ConfigureAwait(false);
        return ResultOf<TResult>(info);
    }

    private TResult ResultOf<TResult>(TaskStateInfo info)
    {
        if (info.State != TaskState.Succeeded)
        {
            if (!info.IsFinal)
            {
                throw new InvalidOperationException($"TaskFlow: task {info.TaskName} [{info.TaskId}] has not finished; it is {info.State.ToWireName()}.");
            }

            throw new TaskNotSucceededException(info);
        }

        if (info.ResultJson is null)
        {
            if (default(TResult) is null)
            {
                return default!;
            }

            throw new InvalidOperationException($"TaskFlow: task {info.TaskName} [{info.TaskId}] succeeded but no result was kept (IgnoreResult).");
        }

        return JsonSerializer.Deserialize<TResult>(info.ResultJson, SerializerOptions)!;
    }

    /// <summary>
    /// Revokes a task: durable in the database, so the task is skipped whenever its message arrives, on any
    /// worker, even after restarts. A running task's cancellation token is cancelled (at once in this process,
    /// within <see cref="TaskStateOptions.RevokePollInterval"/> in others). Returns <c>false</c> when the task had
    /// already finished.
    /// </summary>
    public async Task<bool> RevokeAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        var revoked = await Database.States.RevokeAsync(taskId, "revoked", cancellationToken).ConfigureAwait(false);
        Running.Revoke(taskId);
        if (revoked)
        {
            await Database.States.NotifyFinalAsync([taskId], cancellationToken).ConfigureAwait(false);
        }

        return revoked;
    }

    /// <summary>
    /// Revokes many tasks by id, as <see cref="RevokeAsync(string, CancellationToken)"/> does one, in statements of 1,000
    /// ids: e.g. every task of a purged queue, so that their pending records no longer hold their entities
    /// (<see cref="LockEntityAsync"/>) and their messages, if any are left somewhere, are skipped. Ids the store does not
    /// know are recorded revoked. Returns how many were revoked (tasks already final are not; duplicates count once).
    /// </summary>
    public async Task<int> RevokeAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        foreach (var id in taskIds)
        {
            if (string.IsNullOrEmpty(id) || id.Length > 255)
            {
                throw new ArgumentException($"TaskFlow: every task id to revoke must be 1 to 255 characters long; got {(id is null ? "null" : $"'{(id.Length > 40 ? id[..40] + "..." : id)}' ({id.Length} characters)")}. Nothing was revoked.", nameof(taskIds));
            }
        }

        // Distinct and in ordinal order, the order the state writer locks rows in: batches never deadlock each other.
        var ids = taskIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return 0;
        }

        var revoked = await Database.States.RevokeManyAsync(ids, "revoked", cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            Running.Revoke(id);
        }

        if (revoked > 0)
        {
            await Database.States.NotifyFinalAsync(ids, cancellationToken).ConfigureAwait(false);
        }

        return revoked;
    }

    /// <summary>Revokes every unfinished task enqueued with this <see cref="SendOptions.EntityKey"/>; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> RevokeEntityAsync(string entityKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityKey);
        var ids = await Database.Leases.RevokeUnfinishedAsync(entityKey, $"revoked with entity {entityKey}", cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            Running.Revoke(id);
        }

        await Database.States.NotifyFinalAsync(ids, cancellationToken).ConfigureAwait(false);

        return ids;
    }

    /// <summary>
    /// Takes an exclusive lease on an entity for a conflicting operation (e.g. deleting a note): refused while
    /// tasks enqueued with this <see cref="SendOptions.EntityKey"/> are pending or running, or another lease holds
    /// it. With <paramref name="wait"/> <c>null</c> (the default) a conflict throws <see cref="EntityLockedException"/>
    /// at once; otherwise it waits up to that long (polling with backoff) for the tasks to finish. While the
    /// lease is held, enqueueing a task for the entity throws <see cref="EntityLockedException"/>.
    /// </summary>
    public async Task<EntityLease> LockEntityAsync(string entityKey, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityKey);
        var holder = $"{WorkerName}/{Guid.NewGuid():N}";
        var time = Database.Time;
        var deadline = time.GetTimestamp() + (long)((wait ?? TimeSpan.Zero).TotalSeconds * time.TimestampFrequency);
        var delay = FirstPoll;
        while (true)
        {
            var conflict = await Database.Leases.TryAcquireAsync(entityKey, holder, cancellationToken).ConfigureAwait(false);
            if (conflict is null)
            {
                return new EntityLease(this, entityKey, holder);
            }

            var left = TimeSpan.FromSeconds((double)(deadline - time.GetTimestamp()) / time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                throw conflict;
            }

            await Task.Delay(delay < left ? delay : left, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestPoll.Ticks));
        }
    }

    /// <summary>
    /// An <see cref="ITaskClient"/> that enqueues into the outbox inside <paramref name="transaction"/>: the tasks
    /// are published by the relay after the transaction commits, and never if it rolls back. Wrap it in a
    /// generated client: <c>new SignupTasks.Client(store.Outbox(tx))</c>. One per transaction; not thread-safe.
    /// </summary>
    public ITaskClient Outbox(DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return new TaskClient(new OutboxSender(Database, transaction), new OutboxRecorder(this, transaction), _flow, Database.Time, Logger);
    }

    /// <summary>
    /// Publishes the outbox messages whose transactions have committed, now, through this service provider's sender
    /// (the transport's, or an in-process one such as <c>TaskFlow.Testing</c>'s harness): the relay's passes, repeated
    /// until one finds nothing due. Returns how many outbox transactions were handled (published, or rescheduled after
    /// a failure to publish). For tests and for processes that run no relay (<see cref="TaskStateOptions.RunOutboxRelay"/>).
    /// </summary>
    public async Task<int> PublishOutboxAsync(CancellationToken cancellationToken = default)
    {
        var sender = RelaySender?.Invoke()
            ?? throw new InvalidOperationException("TaskFlow: this state store has no sender to publish the outbox with; it was not registered by AddStateStore.");
        var relay = new OutboxRelay(this, sender, Microsoft.Extensions.Options.Options.Create(_flow));
        var handled = 0;
        int pass;
        // A failed transaction is rescheduled into the future, so the passes end.
        while ((pass = await relay.RelayOnceAsync(cancellationToken).ConfigureAwait(false)) > 0)
        {
            handled += pass;
        }

        return handled;
    }

    /// <summary>The sender the outbox is published with (the provider's active sender); set by <c>AddStateStore</c>.</summary>
    internal Func<ITaskSender>? RelaySender { get; set; }

    /// <summary>This process's tasks (their <c>[Sensitive]</c> arguments redact what a Celery client's <c>argsrepr</c> shows); set by <c>AddStateStore</c>.</summary>
    internal Func<TaskRegistry?>? Tasks { get; set; }

    /// <summary>The display text of a received task's arguments the store keeps (<see cref="ArgumentsText"/>).</summary>
    internal string? ArgumentsOf(TaskHeaders headers) => ArgumentsText.Of(headers, Tasks?.Invoke());

    /// <summary>The descriptor of a received task when this process knows it (its <c>[Sensitive]</c> arguments), else <c>null</c>.</summary>
    internal TaskDescriptor? DescriptorOf(TaskHeaders headers) =>
        Tasks?.Invoke() is { } tasks && tasks.TryGet(headers.TaskName, out var task) ? task : null;

    /// <summary>The outbox backlog: pending and failing transactions, for monitoring.</summary>
    public Task<OutboxStatus> GetOutboxStatusAsync(CancellationToken cancellationToken = default) => Database.Outbox.GetStatusAsync(cancellationToken);

    /// <summary>Deletes every expired record now, in batches of <see cref="TaskStateOptions.CleanupBatchSize"/>; returns how many.</summary>
    public Task<long> CleanupAsync(CancellationToken cancellationToken = default) => Database.States.CleanupAsync(int.MaxValue, cancellationToken);

    /// <summary>Creates or migrates the schema (idempotent, safe with several processes at once); returns how many migrations ran.</summary>
    public Task<int> ApplySchemaAsync(CancellationToken cancellationToken = default) => Database.Schema.ApplyAsync(cancellationToken);

    /// <summary>The version the database's schema is at (0: none) and the version this TaskFlow needs.</summary>
    public async Task<(int Current, int Required)> GetSchemaVersionAsync(CancellationToken cancellationToken = default) =>
        (await Database.Schema.GetVersionAsync(cancellationToken).ConfigureAwait(false), Database.Schema.LatestVersion);

    /// <summary>
    /// The workers that recorded themselves (every <see cref="TaskStateOptions.WorkerHeartbeatInterval"/>): running,
    /// stopped gracefully, or lost (no heartbeat for three intervals: killed, crashed or cut off). Workers not seen for
    /// <see cref="TaskStateOptions.UnfinishedExpiry"/> are deleted by cleanup.
    /// </summary>
    public async Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken = default)
    {
        var workers = await Database.Workers.ListAsync(Options.WorkerHeartbeatInterval, cancellationToken).ConfigureAwait(false);
        var paused = await GetWorkersPausedAsync(cancellationToken).ConfigureAwait(false);
        return paused.Count == 0
            ? workers
            : workers.Select(w => paused.TryGetValue(w.Name, out var queues) ? w with { PausedQueues = queues } : w).ToList();
    }

    /// <summary>
    /// One page of the recorded tasks that <paramref name="query"/> selects (state, task name, queue, entity, worker,
    /// lost workers, error, time ranges, parent, root), newest first by creation, with a keyset cursor to the next page
    /// (<see cref="TaskPage.NextCursor"/>). Served by the indexes of schema version 4 (docs/state.md). Throws
    /// <see cref="ArgumentException"/> for a limit out of range or a cursor this store did not return.
    /// </summary>
    public Task<TaskPage> QueryTasksAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Database.Queries.QueryAsync(query, cancellationToken);
    }

    /// <summary>
    /// The tasks first recorded at or after <paramref name="since"/>, counted by their state now, and by task name and
    /// state: an overview for dashboards and the CLI. One grouped query over that range of <c>created_at</c>.
    /// </summary>
    public Task<TaskCounts> GetTaskCountsAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Database.Queries.CountAsync(since.ToUniversalTime(), cancellationToken);

    /// <summary>The whole schema as a SQL script, for review or for operators who apply it themselves.</summary>
    public string GetSchemaScript() => Database.Dialect.Script();

    /// <summary>Flushes pending state writes and stops the background reader and writer, and the listening connection.</summary>
    public async ValueTask DisposeAsync()
    {
        Reader.Complete();
        await Writer.DisposeAsync().ConfigureAwait(false);
        if (Waits is { } waits)
        {
            await waits.DisposeAsync().ConfigureAwait(false);
        }
    }

    // --- used by the runtime ------------------------------------------------------------------------------

    internal bool Tracks(string taskName) => Options.PolicyOf(taskName)?.Track ?? true;

    /// <summary>
    /// Whether to keep a succeeded task's return value. The first of these that has a say decides (docs/state.md):
    /// the operator's <see cref="TaskStateOptions.Tasks"/> entry for the task; the message asking to ignore it (Celery's
    /// <c>ignore_result</c> header: <see cref="SendOptions.IgnoreResult"/>, set by the generated proxies of
    /// <c>[Task(IgnoreResult = true)]</c> tasks, or any Celery client's); the task's declaration
    /// (<see cref="TaskDescriptor.IgnoreResult"/>, for messages from clients that do not send it); <see cref="TaskStateOptions.IgnoreResults"/>.
    /// </summary>
    /// <param name="taskName">The task name of the message.</param>
    /// <param name="task">The task's descriptor, or <c>null</c> when unknown.</param>
    /// <param name="ignoreResultHeader">The message's <c>ignore_result</c> header.</param>
    internal bool KeepsResult(string taskName, TaskDescriptor? task, bool ignoreResultHeader)
    {
        if (Options.PolicyOf(taskName)?.IgnoreResult is { } configured)
        {
            return !configured;
        }

        if (ignoreResultHeader)
        {
            return false;
        }

        return !(task?.IgnoreResult ?? Options.IgnoreResults);
    }

    internal StateWrite NewWrite(string taskId, string? taskName, string? queue, TaskState state, int attempts = 0, string? entityKey = null, string? error = null, string? result = null)
    {
        var now = Database.Now;
        var final = state.IsFinal();
        return new StateWrite
        {
            TaskId = taskId,
            TaskName = taskName,
            Queue = queue,
            State = (int)state,
            EntityKey = entityKey,
            Attempts = attempts,
            Worker = state == TaskState.Pending ? null : WorkerName,
            Result = result,
            Error = error is { Length: > 4000 } ? error[..4000] + "..." : error,
            Now = now,
            StartedAt = state == TaskState.Started ? now : null,
            CompletedAt = final ? now : null,
            ExpiresAt = now + (final ? Options.ResultExpiry : Options.UnfinishedExpiry),
        };
    }

    private static string EffectiveWorkerName(TaskStateOptions options, Func<string?>? workerName)
    {
        if (options.WorkerNameSet || workerName is null)
        {
            return options.WorkerName;
        }

        try
        {
            return workerName() is { Length: > 0 } name ? name : options.WorkerName;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return options.WorkerName; // invalid worker options: reported by their own validation at start-up
        }
    }

    internal string? SerializeResult(object? result) =>
        result is null ? null : JsonSerializer.Serialize(result, result.GetType(), SerializerOptions);

    internal static string Summary(Exception exception) => SettlementPolicy.Summary(exception);
}
