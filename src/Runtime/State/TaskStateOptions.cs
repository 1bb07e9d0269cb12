using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Text.RegularExpressions;

namespace TaskFlow.State;

/// <summary>
/// The state store: result backend, task states, idempotent consumer, transactional outbox, revoke and
/// entity locks, on PostgreSQL or SQL Server through Dapper. Configure with
/// <c>services.AddTaskFlow(...).AddStateStore(o => o.UsePostgreSql(dataSource))</c>. See docs/state.md.
/// </summary>
public sealed class TaskStateOptions
{
    private string? _workerName;

    private static readonly Regex Identifier = new("^[A-Za-z_][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant);

    /// <summary>The database.</summary>
    public StateStoreProvider Provider { get; set; }

    /// <summary>Creates a new, closed connection to the database. Set by <see cref="UsePostgreSql(Func{DbConnection})"/> or <see cref="UseSqlServer(Func{DbConnection})"/>.</summary>
    public Func<DbConnection>? ConnectionFactory { get; set; }

    /// <summary>The database schema of TaskFlow's tables.</summary>
    /// <value>Default <c>taskflow</c>.</value>
    public string Schema { get; set; } = "taskflow";

    /// <summary>
    /// Create or migrate the schema when the store is first used (versioned, under a database lock, so several
    /// processes may start at once). Default <c>true</c>. Turn off where an operator applies it with
    /// <see cref="TaskStateStore.ApplySchemaAsync"/> (or reviews <see cref="TaskStateStore.GetSchemaScript"/>); the
    /// store then checks the version and refuses to run against an older schema.
    /// </summary>
    public bool ApplySchemaAutomatically { get; set; } = true;

    /// <summary>
    /// Do not keep return values of tasks (their states are still recorded). Default <c>false</c>: a task that
    /// returns a value keeps it for <see cref="ResultExpiry"/>. The default for tasks that say nothing: a call's
    /// <see cref="SendOptions.IgnoreResult"/>, a task's <c>[Task(IgnoreResult = ...)]</c> and <see cref="Tasks"/> entries
    /// take precedence (docs/state.md).
    /// </summary>
    public bool IgnoreResults { get; set; }

    /// <summary>Per-task settings by task name.</summary>
    public IDictionary<string, TaskStatePolicy> Tasks { get; } = new Dictionary<string, TaskStatePolicy>(StringComparer.Ordinal);

    /// <summary>
    /// Record <see cref="TaskState.Pending"/> when a task is sent to the broker. Default <c>false</c>, as in Celery,
    /// where an unknown id reads as pending: the record appears when a worker starts the task (one write fewer
    /// per task). Tasks sent with <see cref="SendOptions.EntityKey"/> and through the outbox are always recorded
    /// as pending (revoke by key, entity locks and the outbox need it; in the outbox it costs nothing extra).
    /// </summary>
    public bool RecordPending { get; set; }

    /// <summary>
    /// Record <see cref="TaskState.Started"/> when a worker starts a task. Default <c>true</c>. Off: one write fewer
    /// per task (Celery's <c>task_track_started = False</c>); a running task then reads as pending or unknown, and
    /// revoking it still works (the worker's check looks at the revoked record, not at this one).
    /// </summary>
    public bool RecordStarted { get; set; } = true;

    /// <summary>How long a finished task's record (and result) is kept.</summary>
    /// <value>Default 1 day (Celery's <c>result_expires</c>).</value>
    public TimeSpan ResultExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long the record of a task that never finishes (e.g. pending forever) is kept.</summary>
    /// <value>Default 7 days.</value>
    public TimeSpan UnfinishedExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Ordered processing (<c>[Task(Ordered = true)]</c>): how long an earlier task of a key may stay pending, its message
    /// not seen by any worker since it became due, before its successors stop waiting for it (a gap: a message that will
    /// never come, e.g. sent without the outbox by a process killed between the record and the publish, or purged). The
    /// skipped task is named in a warning; if its message comes later it runs, out of order. Set it longer than a message
    /// may wait in its queue's backlog. <c>null</c>: wait forever (revoke a stuck task to release its successors).
    /// </summary>
    /// <value>Default 10 minutes.</value>
    public TimeSpan? OrderGapTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often expired records are deleted (by each process that runs hosted services).</summary>
    /// <value>Default 1 minute; <see cref="TimeSpan.Zero"/> turns cleanup off.</value>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows deleted per statement by cleanup.</summary>
    /// <value>Default 4,000 (below SQL Server's lock escalation threshold of 5,000).</value>
    public int CleanupBatchSize { get; set; } = 4000;

    /// <summary>State writes waiting for the background writer before senders wait.</summary>
    /// <value>Default 10,000.</value>
    public int WriteQueueCapacity { get; set; } = 10_000;

    /// <summary>State writes committed together by the background writer.</summary>
    /// <value>Default 500.</value>
    public int WriteBatchSize { get; set; } = 500;

    /// <summary>
    /// Wait until a task's final state is committed before acking its message (group commit: many tasks
    /// share one commit). Default <c>true</c>: this is what makes a redelivery after a crash find the task
    /// completed. Off: faster acks, and a crash in the gap may run a task twice.
    /// </summary>
    public bool AckAfterStateCommit { get; set; } = true;

    /// <summary>Run the outbox relay (a hosted service) in this process.</summary>
    /// <value>Default <c>true</c>. Several relays may run at once.</value>
    public bool RunOutboxRelay { get; set; } = true;

    /// <summary>How often the relay looks for committed outbox rows when it found none the last time.</summary>
    /// <value>Default 200 ms.</value>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Outbox transactions one relay claims at a time.</summary>
    /// <value>Default 100.</value>
    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>The longest wait before a failed outbox publish is tried again (backoff doubles from 1 s).</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan OutboxMaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a worker records itself in the store (name, host, process, queues, tasks in flight: <see cref="ITaskStateStore.GetWorkersAsync"/>);
    /// a worker not seen for three intervals is reported lost.
    /// </summary>
    /// <value>Default 10 s.</value>
    public TimeSpan WorkerHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker checks whether a running task has been revoked from another process.</summary>
    /// <value>Default 1 s.</value>
    public TimeSpan RevokePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an entity lease from <see cref="TaskStateStore.LockEntityAsync"/> lasts if its holder dies without releasing it.</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan EntityLeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Lease mode (<c>[Task(LongRunning = true)]</c>): how long a running task's lease lasts without a heartbeat. A
    /// worker that dies is noticed this long after its last heartbeat (plus up to <see cref="LeaseReapInterval"/>), and its
    /// tasks are sent again.
    /// </summary>
    /// <value>Default 30 s; renewed every third of it.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each worker looks for expired leases of long-running tasks and sends those tasks again.</summary>
    /// <value>Default 5 s.</value>
    public TimeSpan LeaseReapInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The shortest time between two progress writes of one task (<see cref="TaskContext.ReportProgressAsync"/>); reports in between are coalesced, the last one is always written.</summary>
    /// <value>Default 1 s.</value>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// This process in the <c>worker</c> column of the task records. Left unset, it is the worker's name
    /// (<c>TaskFlowWorkerOptions.WorkerName</c>), the name its heartbeats are recorded under, so that the tasks of a lost
    /// worker can be found (<see cref="TaskQuery.LostWorkersOnly"/>).
    /// </summary>
    /// <value>Default <c>TaskFlowWorkerOptions.WorkerName</c>, itself <c>{machine}:{pid}</c> by default.</value>
    public string WorkerName
    {
        get => _workerName ?? $"{Environment.MachineName}:{Environment.ProcessId}";
        set => _workerName = value;
    }

    /// <summary>
    /// PostgreSQL: send a notification (<c>pg_notify</c> on the channel <c>{Schema}.final</c>) with every commit of final
    /// states, in the same transaction, so that <see cref="TaskStateStore.WaitAsync"/> in any process with
    /// <see cref="Notifications"/> returns without polling. Off: waiters everywhere poll (docs/state.md#waiting-for-a-result).
    /// Ignored on SQL Server, which has no notifications.
    /// </summary>
    /// <value>Default <c>true</c>.</value>
    public bool NotifyFinalStates { get; set; } = true;

    /// <summary>
    /// PostgreSQL: create the trigram index of the argument search (<c>ix_task_state_arguments_trgm</c>, GIN over the
    /// <c>pg_trgm</c> extension) after the migrations, so that <see cref="TaskQuery.ArgumentsContains"/> finds a text in
    /// the arguments of millions of records without reading them. Off by default because every task pays for it: each
    /// state row written adds the trigrams of its argument text to the index, and with arguments that look like real ones
    /// that was about two fifths (43%) of PostgreSQL's CPU per task on the store's hot path (docs/benchmarks.md, "Fourteenth
    /// pass"). Without it the search reads the records newest first within its time range (the dashboard's default, the last
    /// hour, took 60 ms on 1,000,000 records). Off does not drop an index that exists (an earlier TaskFlow created it, or
    /// an operator did on purpose): the start logs that it is there and the statement that drops it (event 5082). Ignored on
    /// SQL Server, which has no trigram index.
    /// </summary>
    /// <value>Default <c>false</c>.</value>
    public bool IndexArgumentsForSearch { get; set; }

    /// <summary>
    /// How <see cref="TaskStateStore.WaitAsync"/> hears of final states without polling: the database provider's way of
    /// receiving notifications on a connection. Set by <c>o.UsePostgreSqlNotifications()</c> (package TaskFlow.PostgreSql,
    /// over Npgsql). <c>null</c>: waiters poll with backoff (20 ms doubling to 1 s), as on SQL Server.
    /// </summary>
    /// <value>Default <c>null</c>.</value>
    public IStateNotificationReceiver? Notifications { get; set; }

    /// <summary>
    /// With <see cref="Notifications"/>: how often a waiter still reads its task's record, in case a notification was lost
    /// (the listening connection dropped; waiters also read at once when it is back).
    /// </summary>
    /// <value>Default 5 s.</value>
    public TimeSpan WaitPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether <see cref="WorkerName"/> was set (else it follows the worker's name).</summary>
    internal bool WorkerNameSet => _workerName is not null;

    /// <summary>Test hook: called after a task's work and completion record committed together, before the ack.</summary>
    internal Func<string, System.Threading.Tasks.ValueTask>? AfterAtomicCommit { get; set; }

    /// <summary>PostgreSQL through a connection factory, e.g. <c>o.UsePostgreSql(() => new NpgsqlConnection(cs))</c>.</summary>
    public TaskStateOptions UsePostgreSql(Func<DbConnection> connectionFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionFactory);
        Provider = StateStoreProvider.PostgreSql;
        ConnectionFactory = connectionFactory;
        return this;
    }

    /// <summary>PostgreSQL through a data source, e.g. <c>o.UsePostgreSql(NpgsqlDataSource.Create(cs))</c> (pooled, preferred).</summary>
    public TaskStateOptions UsePostgreSql(DbDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return UsePostgreSql(dataSource.CreateConnection);
    }

    /// <summary>SQL Server through a connection factory, e.g. <c>o.UseSqlServer(() => new SqlConnection(cs))</c> (Microsoft.Data.SqlClient).</summary>
    public TaskStateOptions UseSqlServer(Func<DbConnection> connectionFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionFactory);
        Provider = StateStoreProvider.SqlServer;
        ConnectionFactory = connectionFactory;
        return this;
    }

    /// <summary>SQL Server through a provider factory and a connection string (e.g. <c>SqlClientFactory.Instance</c>).</summary>
    public TaskStateOptions UseSqlServer(DbProviderFactory factory, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return UseSqlServer(() =>
        {
            var connection = factory.CreateConnection() ?? throw new InvalidOperationException($"TaskFlow: {factory.GetType().FullName} created no connection.");
            connection.ConnectionString = connectionString;
            return connection;
        });
    }

    internal TaskStatePolicy? PolicyOf(string taskName) => Tasks.TryGetValue(taskName, out var policy) ? policy : null;

    /// <summary>Throws the first problem of <see cref="Problems"/>, if any.</summary>
    internal void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }
    }

    /// <summary>Every problem of these options, each saying what to change.</summary>
    internal List<string> Problems()
    {
        var errors = new List<string>();
        if (Provider == StateStoreProvider.None || ConnectionFactory is null)
        {
            errors.Add("TaskFlow state store: no database configured; call o.UsePostgreSql(...) or o.UseSqlServer(...) in AddStateStore.");
        }

        if (!Identifier.IsMatch(Schema ?? string.Empty))
        {
            errors.Add($"TaskFlow state store: Schema '{Schema}' is not a plain identifier (letters, digits, underscore; at most 63).");
        }

        if (CleanupBatchSize is < 1 or > 100_000 || WriteBatchSize is < 1 or > 10_000 || WriteQueueCapacity < WriteBatchSize || OutboxBatchSize is < 1 or > 10_000)
        {
            errors.Add("TaskFlow state store: batch sizes out of range (CleanupBatchSize 1-100000, WriteBatchSize 1-10000 and <= WriteQueueCapacity, OutboxBatchSize 1-10000).");
        }

        if (ResultExpiry <= TimeSpan.Zero || UnfinishedExpiry <= TimeSpan.Zero || OutboxPollInterval <= TimeSpan.Zero || RevokePollInterval <= TimeSpan.Zero || EntityLeaseDuration <= TimeSpan.Zero || LeaseDuration <= TimeSpan.Zero || LeaseReapInterval <= TimeSpan.Zero || ProgressInterval < TimeSpan.Zero || WorkerHeartbeatInterval <= TimeSpan.Zero || OutboxMaxRetryDelay <= TimeSpan.Zero || CleanupInterval < TimeSpan.Zero)
        {
            errors.Add("TaskFlow state store: ResultExpiry, UnfinishedExpiry, OutboxPollInterval, RevokePollInterval, EntityLeaseDuration, LeaseDuration, LeaseReapInterval, WorkerHeartbeatInterval and OutboxMaxRetryDelay must be positive; CleanupInterval and ProgressInterval zero or positive.");
        }

        if (WaitPollInterval <= TimeSpan.Zero)
        {
            errors.Add($"TaskFlow state store: WaitPollInterval must be positive (got {WaitPollInterval}).");
        }

        if (Notifications is not null && Provider != StateStoreProvider.PostgreSql)
        {
            errors.Add("TaskFlow state store: Notifications (UsePostgreSqlNotifications) need PostgreSQL; on SQL Server waiters poll: remove it.");
        }
        else if (Notifications is not null && !NotifyFinalStates)
        {
            errors.Add("TaskFlow state store: Notifications are set but NotifyFinalStates is off, so waiters would only hear of results through WaitPollInterval: turn NotifyFinalStates on or remove Notifications.");
        }

        if (OrderGapTimeout is { } gap && (gap < TimeSpan.FromSeconds(1) || gap > TimeSpan.FromDays(365)))
        {
            errors.Add($"TaskFlow state store: OrderGapTimeout is {gap}; give between 1 second and 365 days, or null to wait for a missing predecessor forever.");
        }

        foreach (var (task, policy) in Tasks)
        {
            if (policy is null)
            {
                errors.Add($"TaskFlow state store: Tasks[\"{task}\"] must not be null.");
            }
        }

        return errors;
    }
}
