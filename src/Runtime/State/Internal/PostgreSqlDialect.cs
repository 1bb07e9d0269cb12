using System;

namespace TaskFlow.State.Internal;

/// <summary>PostgreSQL 11+. Row locking with <c>FOR UPDATE SKIP LOCKED</c>, advisory transaction locks, <c>ON CONFLICT</c> upserts.</summary>
internal static class PostgreSqlDialect
{
    /// <summary>Transaction-scoped advisory lock on a resource name (parameter <c>@Resource</c>): migrations and entities.</summary>
    private const string AdvisoryLock = "SELECT pg_advisory_xact_lock(hashtextextended(@Resource, 0))";

    /// <summary>
    /// The dialect with every statement in <paramref name="schema"/>; with <paramref name="notify"/> (the default,
    /// <see cref="TaskStateOptions.NotifyFinalStates"/>) the state writer's batch upsert also notifies its final states
    /// (<see cref="FinalStateNotifications"/>).
    /// </summary>
    public static SqlDialect Create(string schema, bool notify = true, bool searchIndex = false) => new(
        Name: "PostgreSQL",
        SchemaName: schema,
        Schema: Schema(schema),
        States: States(schema, notify ? new FinalStateNotifications(schema) : null),
        Leases: Leases(schema),
        Outbox: Outbox(schema),
        TaskLeases: TaskLeases(schema),
        Workers: Workers(schema),
        Queries: Queries(schema),
        Locks: Locks(schema),
        Schedules: Schedules(schema),
        RateLimits: RateLimitStatements.PostgreSql(schema),
        ScriptSeparator: ";",
        ScriptNow: "now()")
    {
        QueuePauses = QueuePauseStatements.PostgreSql(schema),
        UniqueKeys = UniqueKeyStatements.PostgreSql(schema),
        Notifications = notify ? new FinalStateNotifications(schema) : null,
        Order = OrderStatements.PostgreSql(schema),
        Attempts = AttemptStatements.PostgreSql(schema),
        ArgumentsSearchIndex = searchIndex,
        ArgumentsSearchIndexPossible = true,
    };

    private static SchemaStatements Schema(string s) => new(
        Bootstrap:
        [
            $"CREATE SCHEMA IF NOT EXISTS {s}",
            $"CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL)",
        ],
        LockMigrations: AdvisoryLock,
        SelectVersion: $"SELECT COALESCE(MAX(version), 0) FROM {s}.schema_migrations",
        SelectAppliedVersions: $"SELECT version FROM {s}.schema_migrations",
        InsertVersion: $"INSERT INTO {s}.schema_migrations (version, description, applied_at) VALUES (@Version, @Description, @Now)",
        Migrations:
        [
            new Migration(1, "task states, entity leases, outbox",
            [
                $"""
                CREATE TABLE {s}.task_state (
                    task_id      varchar(255) NOT NULL PRIMARY KEY,
                    task_name    varchar(255) NULL,
                    queue        varchar(255) NULL,
                    state        smallint     NOT NULL,
                    entity_key   varchar(255) NULL,
                    attempts     integer      NOT NULL DEFAULT 0,
                    worker       varchar(255) NULL,
                    result       text         NULL,
                    error        text         NULL,
                    created_at   timestamptz  NOT NULL,
                    started_at   timestamptz  NULL,
                    completed_at timestamptz  NULL,
                    updated_at   timestamptz  NOT NULL,
                    expires_at   timestamptz  NOT NULL
                )
                """,
                // cleanup: States.DeleteExpired
                $"CREATE INDEX ix_task_state_expires_at ON {s}.task_state (expires_at)",
                // revoke by key, entity locks: Leases.RevokeUnfinished, Leases.SelectUnfinished
                $"CREATE INDEX ix_task_state_entity_key ON {s}.task_state (entity_key, state) WHERE entity_key IS NOT NULL",
                NamedView(s),
                $"""
                CREATE TABLE {s}.entity_lease (
                    entity_key  varchar(255) NOT NULL PRIMARY KEY,
                    holder      varchar(255) NOT NULL,
                    acquired_at timestamptz  NOT NULL,
                    expires_at  timestamptz  NOT NULL
                )
                """,
                $"CREATE INDEX ix_entity_lease_expires_at ON {s}.entity_lease (expires_at)",
                $"""
                CREATE TABLE {s}.outbox_transaction (
                    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    created_at      timestamptz NOT NULL,
                    attempts        integer     NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL,
                    last_error      text        NULL
                )
                """,
                // the relay's claim: Outbox.Claim
                $"CREATE INDEX ix_outbox_transaction_due ON {s}.outbox_transaction (next_attempt_at, id)",
                $"""
                CREATE TABLE {s}.outbox_message (
                    transaction_id bigint       NOT NULL REFERENCES {s}.outbox_transaction (id) ON DELETE CASCADE,
                    seq            integer      NOT NULL,
                    task_id        varchar(255) NOT NULL,
                    task_name      varchar(255) NOT NULL,
                    queue          varchar(255) NOT NULL,
                    headers        text         NOT NULL,
                    body           bytea        NOT NULL,
                    eta            timestamptz  NULL,
                    priority       smallint     NULL,
                    PRIMARY KEY (transaction_id, seq)
                )
                """,
            ]),
            new Migration(2, "long-running tasks: progress, checkpoints, task leases",
            [
                $"""
                ALTER TABLE {s}.task_state
                    ADD COLUMN progress_done    bigint      NULL,
                    ADD COLUMN progress_total   bigint      NULL,
                    ADD COLUMN progress_message text        NULL,
                    ADD COLUMN progress_at      timestamptz NULL,
                    ADD COLUMN checkpoint_json  text        NULL
                """,
                // t.* was expanded when the view was created: created again to show the new columns.
                $"DROP VIEW {s}.task_state_named",
                NamedView(s),
                $"""
                CREATE TABLE {s}.task_lease (
                    task_id     varchar(255) NOT NULL PRIMARY KEY,
                    task_name   varchar(255) NOT NULL,
                    queue       varchar(255) NOT NULL,
                    holder      varchar(255) NOT NULL,
                    token       bigint       NOT NULL,
                    attempt     integer      NOT NULL,
                    headers     text         NOT NULL,
                    body        bytea        NOT NULL,
                    acquired_at timestamptz  NOT NULL,
                    renewed_at  timestamptz  NOT NULL,
                    expires_at  timestamptz  NOT NULL
                )
                """,
                // the reaper's claim: TaskLeases.ClaimExpired
                $"CREATE INDEX ix_task_lease_expires_at ON {s}.task_lease (expires_at)",
            ]),
            new Migration(3, "worker heartbeats",
            [
                $"""
                CREATE TABLE {s}.worker (
                    name         varchar(255) NOT NULL PRIMARY KEY,
                    host         varchar(255) NOT NULL,
                    pid          integer      NOT NULL,
                    version      varchar(64)  NULL,
                    queues       text         NOT NULL,
                    concurrency  integer      NOT NULL,
                    in_flight    integer      NOT NULL,
                    started_at   timestamptz  NOT NULL,
                    last_seen_at timestamptz  NOT NULL,
                    stopped_at   timestamptz  NULL
                )
                """,
            ]),
            new Migration(4, "task queries and lineage: parent_id, root_id, indexes for the task list",
            [
                $"ALTER TABLE {s}.task_state ADD COLUMN parent_id varchar(255) NULL, ADD COLUMN root_id varchar(255) NULL",
                $"DROP VIEW {s}.task_state_named",
                NamedView(s),
                // the task list newest first (keyset on created_at, task_id), time ranges, queue and error filters, counts: Queries.*
                $"CREATE INDEX ix_task_state_created_at ON {s}.task_state (created_at, task_id)",
                // the list filtered by state (failed, dead-lettered, running...), newest first
                $"CREATE INDEX ix_task_state_state ON {s}.task_state (state, created_at, task_id)",
                // the list filtered by task name, newest first
                $"CREATE INDEX ix_task_state_task_name ON {s}.task_state (task_name, created_at, task_id)",
                // a worker's tasks, the tasks running on lost workers: Queries.OnLostWorker
                $"CREATE INDEX ix_task_state_worker ON {s}.task_state (worker, state)",
                // lineage: children of a task, the tree of a root (small: only tasks sent from inside tasks)
                $"CREATE INDEX ix_task_state_parent_id ON {s}.task_state (parent_id) WHERE parent_id IS NOT NULL",
                $"CREATE INDEX ix_task_state_root_id ON {s}.task_state (root_id) WHERE root_id IS NOT NULL",
            ]),
            new Migration(5, "distributed locks and per-key concurrency limits: lock_slot",
            [
                $"""
                CREATE TABLE {s}.lock_slot (
                    name        varchar(255) NOT NULL,
                    slot        integer      NOT NULL,
                    holder      varchar(255) NOT NULL,
                    token       bigint       NOT NULL,
                    acquired_at timestamptz  NOT NULL,
                    expires_at  timestamptz  NOT NULL,
                    PRIMARY KEY (name, slot)
                )
                """,
                // fencing tokens: one sequence, so a token never repeats even after a resource's rows are cleaned up
                $"CREATE SEQUENCE {s}.lock_token",
                // cleanup: Locks.DeleteExpired
                $"CREATE INDEX ix_lock_slot_expires_at ON {s}.lock_slot (expires_at)",
            ]),
            new Migration(6, "periodic tasks: schedules, scheduler lease, fire records",
            [
                $"""
                CREATE TABLE {s}.schedule (
                    name               varchar(200) NOT NULL PRIMARY KEY,
                    task_name          varchar(255) NOT NULL,
                    queue              varchar(255) NULL,
                    arguments          text         NOT NULL,
                    cron               varchar(255) NULL,
                    every_ms           bigint       NULL,
                    time_zone          varchar(100) NULL,
                    overlap            smallint     NOT NULL,
                    catch_up           smallint     NOT NULL,
                    catch_up_window_ms bigint       NOT NULL,
                    source             smallint     NOT NULL,
                    paused             boolean      NOT NULL,
                    next_fire_at       timestamptz  NULL,
                    last_fire_at       timestamptz  NULL,
                    last_task_id       varchar(255) NULL,
                    buffered           integer      NOT NULL,
                    version            bigint       NOT NULL,
                    created_at         timestamptz  NOT NULL,
                    updated_at         timestamptz  NOT NULL
                )
                """,
                // the scheduler's due read: Schedules.SelectDue, SelectEarliest
                $"CREATE INDEX ix_schedule_next_fire_at ON {s}.schedule (next_fire_at) WHERE NOT paused",
                $"""
                CREATE TABLE {s}.scheduler_lease (
                    name        varchar(100) NOT NULL PRIMARY KEY,
                    holder      varchar(255) NOT NULL,
                    token       bigint       NOT NULL,
                    acquired_at timestamptz  NOT NULL,
                    renewed_at  timestamptz  NOT NULL,
                    expires_at  timestamptz  NOT NULL
                )
                """,
                $"""
                CREATE TABLE {s}.schedule_fire (
                    task_id       varchar(255) NOT NULL PRIMARY KEY,
                    schedule_name varchar(200) NOT NULL,
                    fire_at       timestamptz  NOT NULL,
                    status        smallint     NOT NULL,
                    token         bigint       NULL,
                    recorded_at   timestamptz  NOT NULL,
                    sent_at       timestamptz  NULL
                )
                """,
                // a schedule's fires newest first (GetFiresAsync), its oldest buffered fire (SelectDue)
                $"CREATE INDEX ix_schedule_fire_schedule ON {s}.schedule_fire (schedule_name, fire_at)",
                // cleanup: DeleteOldFires
                $"CREATE INDEX ix_schedule_fire_recorded_at ON {s}.schedule_fire (recorded_at)",
            ]),
            AuditStatements.PostgreSql(s).Migration,
            QueuePauseStatements.PostgreSql(s).Migration,
            UniqueKeyStatements.PostgreSql(s).Migration,
            RateLimitStatements.PostgreSql(s).Migration,
            ArgumentsMigration.PostgreSql(s),
            OrderStatements.PostgreSql(s).Migration,
            AttemptsMigration.PostgreSql(s),
        ]);

    private static LockStatements Locks(string s) => new(
        // Inserts the permit, or takes it over when its lease ran out; nothing when it is held.
        Acquire: $"""
            INSERT INTO {s}.lock_slot AS l (name, slot, holder, token, acquired_at, expires_at)
            VALUES (@Name, @Slot, @Holder, nextval('{s}.lock_token'), @Now, @ExpiresAt)
            ON CONFLICT (name, slot) DO UPDATE SET holder = EXCLUDED.holder, token = EXCLUDED.token, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
            WHERE l.expires_at <= EXCLUDED.acquired_at
            RETURNING token
            """,
        Renew: $"UPDATE {s}.lock_slot SET expires_at = @ExpiresAt WHERE name = @Name AND slot = @Slot AND token = @Token",
        Release: $"UPDATE {s}.lock_slot SET expires_at = @Now WHERE name = @Name AND slot = @Slot AND token = @Token",
        SelectHeld: $"SELECT name AS Name, slot AS Slot, holder AS Holder, token AS Token, acquired_at AS AcquiredAt, expires_at AS ExpiresAt FROM {s}.lock_slot WHERE name = @Name AND expires_at > @Now ORDER BY slot",
        DeleteExpired: $"DELETE FROM {s}.lock_slot WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.lock_slot WHERE expires_at < @Before LIMIT @BatchSize))");

    /// <summary>The task states with their state's name, for people querying the database.</summary>
    /// <summary>
    /// The batch upsert folded with its notification: one statement still. The rows it changed to a final state
    /// (<c>RETURNING</c> gives only rows inserted or updated, so a final state already recorded is not notified again)
    /// are sent as JSON arrays of task ids, one <c>pg_notify</c> per group of about
    /// <see cref="FinalStateNotifications.GroupBytes"/> bytes (under PostgreSQL's 8,000-byte payload limit). PostgreSQL
    /// delivers them when the statement's transaction commits, never before: a listener never sees a notification before the row.
    /// </summary>
    private static string NotifyingBatchUpsert(string batchUpsert, FinalStateNotifications notifications) => $"""
        WITH w AS (
        {batchUpsert.TrimEnd()}
        RETURNING t.task_id, t.state
        )
        SELECT pg_notify('{notifications.Channel}', json_agg(f.task_id)::text)
        FROM (SELECT w.task_id, sum(octet_length(to_json(w.task_id)::text) + 1) OVER (ORDER BY w.task_id) / {FinalStateNotifications.GroupBytes} AS part
              FROM w WHERE w.state >= 10) AS f
        GROUP BY f.part
        """;

    private static string NamedView(string s) => $"""
        CREATE VIEW {s}.task_state_named AS
        SELECT t.*, CASE t.state WHEN 0 THEN 'pending' WHEN 1 THEN 'started' WHEN 2 THEN 'retrying' WHEN 10 THEN 'succeeded'
            WHEN 11 THEN 'failed' WHEN 12 THEN 'revoked' WHEN 13 THEN 'expired' WHEN 14 THEN 'dead_lettered' END AS state_name
        FROM {s}.task_state t
        """;

    private static TaskStateStatements States(string s, FinalStateNotifications? notifications)
    {
        var upsert = $"""
            INSERT INTO {s}.task_state AS t (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at, parent_id, root_id, arguments, trace_id, headers)
            VALUES (@TaskId, @TaskName, @Queue, @State, @EntityKey, @Attempts, @Worker, @Result, @Error, @Now, @StartedAt, @CompletedAt, @Now, @ExpiresAt, @ParentId, @RootId, @Arguments, @TraceId, @Headers)
            ON CONFLICT (task_id) DO UPDATE SET
                state = EXCLUDED.state,
                task_name = COALESCE(EXCLUDED.task_name, t.task_name),
                queue = COALESCE(EXCLUDED.queue, t.queue),
                entity_key = COALESCE(t.entity_key, EXCLUDED.entity_key),
                attempts = GREATEST(t.attempts, EXCLUDED.attempts),
                worker = COALESCE(EXCLUDED.worker, t.worker),
                result = EXCLUDED.result,
                error = CASE WHEN EXCLUDED.state = 10 THEN NULL ELSE COALESCE(EXCLUDED.error, t.error) END,
                started_at = COALESCE(EXCLUDED.started_at, t.started_at),
                completed_at = EXCLUDED.completed_at,
                updated_at = EXCLUDED.updated_at,
                expires_at = EXCLUDED.expires_at,
                parent_id = COALESCE(t.parent_id, EXCLUDED.parent_id),
                root_id = COALESCE(t.root_id, EXCLUDED.root_id),
                arguments = COALESCE(t.arguments, EXCLUDED.arguments),
                trace_id = COALESCE(t.trace_id, EXCLUDED.trace_id),
                headers = COALESCE(t.headers, EXCLUDED.headers)
            WHERE (t.state < 10 AND (EXCLUDED.state <> 0 OR t.state = 0))
               OR (t.state = 12 AND EXCLUDED.state IN (10, 11) AND t.started_at IS NOT NULL)
            """;
        var batchUpsert = $"""
                INSERT INTO {s}.task_state AS t (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at, parent_id, root_id, arguments, trace_id, headers)
                SELECT u.task_id, u.task_name, u.queue, u.state, u.entity_key, u.attempts, u.worker, u.result, u.error, u.now_at, u.started_at, u.completed_at, u.now_at, u.expires_at, u.parent_id, u.root_id, u.arguments, u.trace_id, u.headers
                FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[], $5::varchar[], $6::int[], $7::varchar[],
                            $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[],
                            $14::varchar[], $15::varchar[], $16::varchar[], $17::varchar[], $18::text[])
                     AS u (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, now_at, started_at, completed_at, expires_at, parent_id, root_id, arguments, trace_id, headers)
                {upsert[upsert.IndexOf("ON CONFLICT", StringComparison.Ordinal)..]}
                """;
        return new TaskStateStatements(
            Select: $"SELECT state FROM {s}.task_state WHERE task_id = @TaskId",
            SelectAmong: $"SELECT task_id AS TaskId, state AS State, attempts AS Attempts FROM {s}.task_state WHERE task_id = ANY(@Ids)",
            SelectInfo: $"SELECT {StateRow.Columns} FROM {s}.task_state WHERE task_id = @TaskId",
            SelectInfoAmong: $"SELECT {StateRow.Columns} FROM {s}.task_state WHERE task_id = ANY(@Ids)",
            Upsert: upsert,
            // The same conflict clause as the single upsert, over the rows of 18 unnested arrays, bound by position
            // (PostgreSqlStateBatchUpsert: Npgsql sends a statement with positional parameters without parsing it).
            UpsertBatch: new PostgreSqlStateBatchUpsert(notifications is null ? batchUpsert : NotifyingBatchUpsert(batchUpsert, notifications)),
            Revoke: $"""
                INSERT INTO {s}.task_state AS t (task_id, state, attempts, error, created_at, completed_at, updated_at, expires_at)
                VALUES (@TaskId, 12, 0, @Error, @Now, @Now, @Now, @ExpiresAt)
                ON CONFLICT (task_id) DO UPDATE SET state = 12, error = EXCLUDED.error, completed_at = EXCLUDED.completed_at,
                    updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at
                WHERE t.state < 10
                """,
            // The ids come distinct and sorted: rows are locked in the order the batched writers lock them.
            RevokeBatch: new PostgreSqlStateBatchRevoke($"""
                INSERT INTO {s}.task_state AS t (task_id, state, attempts, error, created_at, completed_at, updated_at, expires_at)
                SELECT u.id, 12, 0, @Error, @Now, @Now, @Now, @ExpiresAt FROM unnest(@Ids::varchar[]) AS u (id)
                ON CONFLICT (task_id) DO UPDATE SET state = 12, error = EXCLUDED.error, completed_at = EXCLUDED.completed_at,
                    updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at
                WHERE t.state < 10
                """),
            SelectRevokedAmong: $"SELECT task_id FROM {s}.task_state WHERE task_id = ANY(@Ids) AND state = 12",
            // Batches on ix_task_state_expires_at; ctid avoids a second lookup through the primary key.
            DeleteExpired: $"DELETE FROM {s}.task_state WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.task_state WHERE expires_at < @Now LIMIT @BatchSize))",
            UpsertProgress: $"""
                INSERT INTO {s}.task_state AS t (task_id, task_name, queue, state, attempts, worker, created_at, started_at, updated_at, expires_at,
                                                 progress_done, progress_total, progress_message, progress_at)
                VALUES (@TaskId, @TaskName, @Queue, 1, @Attempts, @Worker, @Now, @Now, @Now, @ExpiresAt, @Done, @Total, @Message, @Now)
                ON CONFLICT (task_id) DO UPDATE SET progress_done = EXCLUDED.progress_done, progress_total = EXCLUDED.progress_total,
                    progress_message = EXCLUDED.progress_message, progress_at = EXCLUDED.progress_at, updated_at = EXCLUDED.updated_at
                WHERE t.state < 10
                """,
            UpsertCheckpoint: $"""
                INSERT INTO {s}.task_state AS t (task_id, task_name, queue, state, attempts, worker, created_at, started_at, updated_at, expires_at, checkpoint_json)
                VALUES (@TaskId, @TaskName, @Queue, 1, @Attempts, @Worker, @Now, @Now, @Now, @ExpiresAt, @Checkpoint)
                ON CONFLICT (task_id) DO UPDATE SET checkpoint_json = EXCLUDED.checkpoint_json, updated_at = EXCLUDED.updated_at
                WHERE t.state < 10
                """,
            SelectCheckpoint: $"SELECT checkpoint_json FROM {s}.task_state WHERE task_id = @TaskId",
            Reopen: $"UPDATE {s}.task_state SET state = 0, error = NULL, result = NULL, completed_at = NULL, updated_at = @Now, expires_at = @ExpiresAt WHERE task_id = @TaskId AND state IN (11, 14)");
    }

    private static TaskQueryStatements Queries(string s) => new(
        // Newest first on ix_task_state_created_at, or on the index of the most selective filter (state, task name,
        // worker, entity key, parent, root) with a top-N sort; the keyset keeps every page as cheap as the first.
        SelectPage: $"SELECT {StateRow.Columns} FROM {s}.task_state WHERE {{where}} ORDER BY created_at DESC, task_id DESC LIMIT @Limit",
        StateAmong: "state = ANY(@States)",
        // A row comparison: one index condition on (created_at, task_id).
        Before: "(created_at, task_id) < (@CursorAt, @CursorId)",
        // The same rule as GetWorkersAsync: not stopped, last seen more than three heartbeat intervals ago.
        OnLostWorker: $"worker IN (SELECT name FROM {s}.worker WHERE stopped_at IS NULL AND last_seen_at < @LostBefore)",
        Like: @"{column} LIKE {parameter} ESCAPE '\'",
        // No index serves a substring: the rows are read newest first (ix_task_state_created_at, or the index of another filter) until the page is full.
        LikeAnyCase: @"{column} ILIKE {parameter} ESCAPE '\'",
        // A range of ix_task_state_created_at.
        CountSince: $"SELECT task_name AS TaskName, state AS State, COUNT(*) AS Count FROM {s}.task_state WHERE created_at >= @Since GROUP BY task_name, state");

    private static WorkerStatements Workers(string s) => new(
        Upsert: $"""
            INSERT INTO {s}.worker AS w (name, host, pid, version, queues, concurrency, in_flight, started_at, last_seen_at, stopped_at)
            VALUES (@Name, @Host, @ProcessId, @Version, @Queues, @Concurrency, @InFlight, @StartedAt, @Now, NULL)
            ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version, queues = EXCLUDED.queues,
                concurrency = EXCLUDED.concurrency, in_flight = EXCLUDED.in_flight, started_at = EXCLUDED.started_at,
                last_seen_at = EXCLUDED.last_seen_at, stopped_at = NULL
            """,
        Stop: $"UPDATE {s}.worker SET stopped_at = @Now, last_seen_at = @Now, in_flight = 0 WHERE name = @Name",
        SelectAll: $"SELECT name AS Name, host AS Host, pid AS ProcessId, version AS Version, queues AS Queues, concurrency AS Concurrency, in_flight AS InFlight, started_at AS StartedAt, last_seen_at AS LastSeenAt, stopped_at AS StoppedAt FROM {s}.worker ORDER BY name",
        DeleteGone: $"DELETE FROM {s}.worker WHERE last_seen_at < @Before");

    private static TaskLeaseStatements TaskLeases(string s) => new(
        // ON CONFLICT locks the existing row first, so two workers taking over the same expired lease serialize: the
        // second sees the first's fresh expiry and gets no row back.
        Acquire: $"""
            INSERT INTO {s}.task_lease AS l (task_id, task_name, queue, holder, token, attempt, headers, body, acquired_at, renewed_at, expires_at)
            VALUES (@TaskId, @TaskName, @Queue, @Holder, 1, @Attempt, @Headers, @Body, @Now, @Now, @ExpiresAt)
            ON CONFLICT (task_id) DO UPDATE SET task_name = EXCLUDED.task_name, queue = EXCLUDED.queue, holder = EXCLUDED.holder, token = l.token + 1,
                attempt = EXCLUDED.attempt, headers = EXCLUDED.headers, body = EXCLUDED.body, acquired_at = EXCLUDED.acquired_at,
                renewed_at = EXCLUDED.renewed_at, expires_at = EXCLUDED.expires_at
            WHERE l.expires_at <= EXCLUDED.acquired_at
            RETURNING token
            """,
        SelectHolder: $"SELECT holder AS Holder, expires_at AS ExpiresAt FROM {s}.task_lease WHERE task_id = @TaskId",
        Renew: $"UPDATE {s}.task_lease SET renewed_at = @Now, expires_at = @ExpiresAt WHERE task_id = @TaskId AND token = @Token",
        Release: $"DELETE FROM {s}.task_lease WHERE task_id = @TaskId AND token = @Token",
        Expire: $"UPDATE {s}.task_lease SET expires_at = @Now WHERE task_id = @TaskId AND token = @Token",
        // ix_task_lease_expires_at; SKIP LOCKED: reapers on several workers share the work.
        ClaimExpired: $"""
            SELECT task_id AS TaskId, task_name AS TaskName, queue AS Queue, holder AS Holder, token AS Token, attempt AS Attempt, headers AS Headers, body AS Body
            FROM {s}.task_lease WHERE expires_at <= @Now ORDER BY expires_at LIMIT @BatchSize FOR UPDATE SKIP LOCKED
            """);

    private static EntityLeaseStatements Leases(string s) => new(
        LockResource: AdvisoryLock,
        Select: $"SELECT holder AS Holder, expires_at AS ExpiresAt FROM {s}.entity_lease WHERE entity_key = @EntityKey",
        SelectUnfinished: $"SELECT task_id FROM {s}.task_state WHERE entity_key = @EntityKey AND state < 10 AND expires_at > @Now ORDER BY task_id LIMIT 10",
        Replace: $"""
            INSERT INTO {s}.entity_lease (entity_key, holder, acquired_at, expires_at) VALUES (@EntityKey, @Holder, @Now, @ExpiresAt)
            ON CONFLICT (entity_key) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
            """,
        Delete: $"DELETE FROM {s}.entity_lease WHERE entity_key = @EntityKey AND holder = @Holder",
        DeleteExpired: $"DELETE FROM {s}.entity_lease WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.entity_lease WHERE expires_at < @Now LIMIT @BatchSize))",
        RevokeUnfinished: $"""
            UPDATE {s}.task_state SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            WHERE entity_key = @EntityKey AND state < 10
            RETURNING task_id
            """);

    private static OutboxStatements Outbox(string s) => new(
        InsertTransaction: $"INSERT INTO {s}.outbox_transaction (created_at, next_attempt_at) VALUES (@Now, @Now) RETURNING id",
        InsertMessage: $"""
            INSERT INTO {s}.outbox_message (transaction_id, seq, task_id, task_name, queue, headers, body, eta, priority)
            VALUES (@TransactionId, @Seq, @TaskId, @TaskName, @Queue, @Headers, @Body, @Eta, @Priority)
            """,
        InsertMessagesHead: $"INSERT INTO {s}.outbox_message (transaction_id, seq, task_id, task_name, queue, headers, body, eta, priority) VALUES ",
        MessagesPerInsert: 9000,
        Claim: $"SELECT id AS Id, attempts AS Attempts FROM {s}.outbox_transaction WHERE next_attempt_at <= @Now ORDER BY id LIMIT @BatchSize FOR UPDATE SKIP LOCKED",
        SelectMessages: $"""
            SELECT transaction_id AS TransactionId, seq AS Seq, task_id AS TaskId, task_name AS TaskName, queue AS Queue, headers AS Headers,
                   body AS Body, eta AS Eta, priority AS Priority
            FROM {s}.outbox_message WHERE transaction_id = ANY(@Ids) ORDER BY transaction_id, seq
            """,
        DeleteTransactions: $"DELETE FROM {s}.outbox_transaction WHERE id = ANY(@Ids)",
        FailTransaction: $"UPDATE {s}.outbox_transaction SET attempts = attempts + 1, last_error = @Error, next_attempt_at = @NextAttemptAt WHERE id = @Id",
        SelectStatus: $"""
            SELECT COUNT(*) AS Pending, COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS Failing, MIN(created_at) AS Oldest
            FROM {s}.outbox_transaction
            """,
        SelectFailures: $"""
            SELECT id AS Id, created_at AS CreatedAt, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError
            FROM {s}.outbox_transaction WHERE attempts > 0 ORDER BY id LIMIT 20
            """,
        SelectBacklog: $"SELECT (SELECT COUNT(*) FROM {s}.outbox_message) AS Messages, (SELECT MIN(created_at) FROM {s}.outbox_transaction) AS Oldest");

    private static ScheduleStatements Schedules(string s) => new(
        SelectAll: $"SELECT {ScheduleStatements.Columns} FROM {s}.schedule ORDER BY name",
        SelectOne: $"SELECT {ScheduleStatements.Columns} FROM {s}.schedule WHERE name = @Name",
        SelectOneForUpdate: $"SELECT {ScheduleStatements.Columns} FROM {s}.schedule WHERE name = @Name FOR UPDATE",
        Insert: $"""
            INSERT INTO {s}.schedule (name, task_name, queue, arguments, cron, every_ms, time_zone, overlap, catch_up, catch_up_window_ms, source, paused,
                                      next_fire_at, last_fire_at, last_task_id, buffered, version, created_at, updated_at)
            VALUES (@Name, @TaskName, @Queue, @Arguments, @Cron, @EveryMs, @TimeZone, @Overlap, @CatchUp, @CatchUpWindowMs, @Source, @Paused,
                    @NextFireAt, NULL, NULL, 0, 1, @Now, @Now)
            """,
        UpdateDefinition: $"""
            UPDATE {s}.schedule SET task_name = @TaskName, queue = @Queue, arguments = @Arguments, cron = @Cron, every_ms = @EveryMs, time_zone = @TimeZone,
                overlap = @Overlap, catch_up = @CatchUp, catch_up_window_ms = @CatchUpWindowMs, next_fire_at = @NextFireAt, version = version + 1, updated_at = @Now
            WHERE name = @Name
            """,
        Pause: $"UPDATE {s}.schedule SET paused = true, version = version + 1, updated_at = @Now WHERE name = @Name",
        Resume: $"UPDATE {s}.schedule SET paused = false, next_fire_at = @NextFireAt, version = version + 1, updated_at = @Now WHERE name = @Name",
        Delete: $"DELETE FROM {s}.schedule WHERE name = @Name",
        DeleteFires: $"DELETE FROM {s}.schedule_fire WHERE schedule_name = @Name",
        SelectDue: $"""
            SELECT {ScheduleStatements.ColumnsOf("s.")}, t.state AS LastState,
                   (SELECT MIN(f.fire_at) FROM {s}.schedule_fire f WHERE f.schedule_name = s.name AND f.status = 2) AS OldestBufferedAt
            FROM {s}.schedule s LEFT JOIN {s}.task_state t ON t.task_id = s.last_task_id
            WHERE NOT s.paused AND (s.next_fire_at <= @Now OR s.buffered > 0)
            ORDER BY s.next_fire_at
            LIMIT @Limit
            """,
        SelectEarliest: $"SELECT MIN(next_fire_at) FROM {s}.schedule WHERE NOT paused",
        Advance: $"""
            UPDATE {s}.schedule SET next_fire_at = @NextFireAt, last_fire_at = COALESCE(@LastFireAt, last_fire_at), last_task_id = COALESCE(@LastTaskId, last_task_id),
                buffered = @Buffered, version = version + 1, updated_at = @Now
            WHERE name = @Name AND version = @Version AND NOT paused
            """,
        SetLastFire: $"UPDATE {s}.schedule SET last_fire_at = @LastFireAt, last_task_id = @LastTaskId, version = version + 1, updated_at = @Now WHERE name = @Name",
        InsertFire: $"""
            INSERT INTO {s}.schedule_fire (task_id, schedule_name, fire_at, status, token, recorded_at, sent_at)
            VALUES (@TaskId, @Schedule, @FireAt, @Status, @Token, @Now, @SentAt)
            ON CONFLICT (task_id) DO NOTHING
            """,
        MarkFireSent: $"UPDATE {s}.schedule_fire SET status = 0, sent_at = @Now, token = @Token WHERE task_id = @TaskId AND status = 2",
        SelectFires: $"SELECT {ScheduleStatements.FireColumns} FROM {s}.schedule_fire WHERE schedule_name = @Name ORDER BY fire_at DESC, recorded_at DESC LIMIT @Limit",
        DeleteOldFires: $"DELETE FROM {s}.schedule_fire WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.schedule_fire WHERE recorded_at < @Before AND status <> 2 LIMIT @BatchSize))",
        // ON CONFLICT locks the existing row: two takers of an expired lease serialize, the second gets no row back.
        AcquireLease: $"""
            INSERT INTO {s}.scheduler_lease AS l (name, holder, token, acquired_at, renewed_at, expires_at)
            VALUES (@Name, @Holder, 1, @Now, @Now, @ExpiresAt)
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, token = l.token + 1, acquired_at = EXCLUDED.acquired_at,
                renewed_at = EXCLUDED.renewed_at, expires_at = EXCLUDED.expires_at
            WHERE l.expires_at <= EXCLUDED.acquired_at
            RETURNING token
            """,
        RenewLease: $"UPDATE {s}.scheduler_lease SET renewed_at = @Now, expires_at = @ExpiresAt WHERE name = @Name AND token = @Token AND expires_at > @Now",
        ReleaseLease: $"UPDATE {s}.scheduler_lease SET expires_at = @Now WHERE name = @Name AND token = @Token",
        // A no-op update: it locks the row until the step commits, so a takeover waits for the step and a step after
        // a takeover finds another token.
        FenceLease: $"UPDATE {s}.scheduler_lease SET renewed_at = renewed_at WHERE name = @Name AND token = @Token AND expires_at > @Now");
}
