using System;

namespace TaskFlow.State.Internal;

/// <summary>
/// SQL Server 2016+ / Azure SQL. Row locking with <c>UPDLOCK, ROWLOCK, READPAST</c>, application locks
/// (<c>sp_getapplock</c>) owned by the transaction, <c>MERGE ... WITH (HOLDLOCK)</c> upserts (HOLDLOCK makes the
/// match and the insert atomic; without it two MERGEs of the same key race into a primary-key violation),
/// <c>DELETE TOP (n)</c> batches kept below the 5,000-lock escalation threshold. Times are
/// <c>datetimeoffset(7)</c>, the type of the parameters, so comparisons never convert the column and every
/// predicate can seek its index. Keys are <c>nvarchar(255)</c> (510 bytes, under the 900-byte key limit).
/// </summary>
internal static class SqlServerDialect
{
    /// <summary>The dialect with every statement in <paramref name="schema"/>.</summary>
    public static SqlDialect Create(string schema)
    {
        var s = "[" + schema + "]";
        return new SqlDialect(
            Name: "SQL Server",
            SchemaName: schema,
            Schema: Schema(schema, s),
            States: States(s),
            Leases: Leases(s),
            Outbox: Outbox(s),
            TaskLeases: TaskLeases(s),
            Workers: Workers(s),
            Queries: Queries(s),
            Locks: Locks(s),
            Schedules: Schedules(s),
            RateLimits: RateLimitStatements.SqlServer(s),
            ScriptSeparator: "GO",
            ScriptNow: "SYSDATETIMEOFFSET()")
        {
            QueuePauses = QueuePauseStatements.SqlServer(s),
            UniqueKeys = UniqueKeyStatements.SqlServer(s),
            Order = OrderStatements.SqlServer(s),
            Attempts = AttemptStatements.SqlServer(s),
        };
    }

    /// <param name="schema">The schema's name.</param>
    /// <param name="s">The schema's name, quoted.</param>
    private static SchemaStatements Schema(string schema, string s) => new(
        Bootstrap:
        [
            $"IF SCHEMA_ID(N'{schema}') IS NULL EXEC(N'CREATE SCHEMA {s}')",
            $"""
            IF OBJECT_ID(N'{s}.[schema_migrations]', N'U') IS NULL
                CREATE TABLE {s}.[schema_migrations] (
                    version     int            NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
                    description nvarchar(200)  NOT NULL,
                    applied_at  datetimeoffset(7) NOT NULL)
            """,
        ],
        // Exclusive, owned by the transaction: released by its commit or rollback, whatever happens.
        LockMigrations: """
            DECLARE @result int;
            EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 120000;
            IF @result < 0 THROW 50001, 'TaskFlow: could not take the schema migration lock within 120 s', 1;
            """,
        SelectVersion: $"SELECT COALESCE(MAX(version), 0) FROM {s}.[schema_migrations]",
        SelectAppliedVersions: $"SELECT version FROM {s}.[schema_migrations]",
        InsertVersion: $"INSERT INTO {s}.[schema_migrations] (version, description, applied_at) VALUES (@Version, @Description, @Now)",
        Migrations:
        [
            new Migration(1, "task states, entity leases, outbox",
            [
                $"""
                CREATE TABLE {s}.[task_state] (
                    task_id      nvarchar(255)     NOT NULL CONSTRAINT pk_task_state PRIMARY KEY,
                    task_name    nvarchar(255)     NULL,
                    queue        nvarchar(255)     NULL,
                    state        smallint          NOT NULL,
                    entity_key   nvarchar(255)     NULL,
                    attempts     int               NOT NULL CONSTRAINT df_task_state_attempts DEFAULT 0,
                    worker       nvarchar(255)     NULL,
                    result       nvarchar(max)     NULL,
                    error        nvarchar(max)     NULL,
                    created_at   datetimeoffset(7) NOT NULL,
                    started_at   datetimeoffset(7) NULL,
                    completed_at datetimeoffset(7) NULL,
                    updated_at   datetimeoffset(7) NOT NULL,
                    expires_at   datetimeoffset(7) NOT NULL)
                """,
                $"CREATE INDEX ix_task_state_expires_at ON {s}.[task_state] (expires_at)",
                $"CREATE INDEX ix_task_state_entity_key ON {s}.[task_state] (entity_key, state) WHERE entity_key IS NOT NULL",
                $"""
                CREATE VIEW {s}.[task_state_named] AS
                SELECT t.task_id, t.task_name, t.queue, t.state, t.entity_key, t.attempts, t.worker, t.result, t.error, t.created_at,
                       t.started_at, t.completed_at, t.updated_at, t.expires_at,
                       CASE t.state WHEN 0 THEN N'pending' WHEN 1 THEN N'started' WHEN 2 THEN N'retrying' WHEN 10 THEN N'succeeded'
                           WHEN 11 THEN N'failed' WHEN 12 THEN N'revoked' WHEN 13 THEN N'expired' WHEN 14 THEN N'dead_lettered' END AS state_name
                FROM {s}.[task_state] t
                """,
                $"""
                CREATE TABLE {s}.[entity_lease] (
                    entity_key  nvarchar(255)     NOT NULL CONSTRAINT pk_entity_lease PRIMARY KEY,
                    holder      nvarchar(255)     NOT NULL,
                    acquired_at datetimeoffset(7) NOT NULL,
                    expires_at  datetimeoffset(7) NOT NULL)
                """,
                $"CREATE INDEX ix_entity_lease_expires_at ON {s}.[entity_lease] (expires_at)",
                $"""
                CREATE TABLE {s}.[outbox_transaction] (
                    id              bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_outbox_transaction PRIMARY KEY,
                    created_at      datetimeoffset(7) NOT NULL,
                    attempts        int               NOT NULL CONSTRAINT df_outbox_transaction_attempts DEFAULT 0,
                    next_attempt_at datetimeoffset(7) NOT NULL,
                    last_error      nvarchar(max)     NULL)
                """,
                $"CREATE INDEX ix_outbox_transaction_due ON {s}.[outbox_transaction] (next_attempt_at, id)",
                $"""
                CREATE TABLE {s}.[outbox_message] (
                    transaction_id bigint            NOT NULL CONSTRAINT fk_outbox_message_transaction REFERENCES {s}.[outbox_transaction] (id) ON DELETE CASCADE,
                    seq            int               NOT NULL,
                    task_id        nvarchar(255)     NOT NULL,
                    task_name      nvarchar(255)     NOT NULL,
                    queue          nvarchar(255)     NOT NULL,
                    headers        nvarchar(max)     NOT NULL,
                    body           varbinary(max)    NOT NULL,
                    eta            datetimeoffset(7) NULL,
                    priority       smallint          NULL,
                    CONSTRAINT pk_outbox_message PRIMARY KEY (transaction_id, seq))
                """,
            ]),
            new Migration(2, "long-running tasks: progress, checkpoints, task leases",
            [
                $"""
                ALTER TABLE {s}.[task_state] ADD
                    progress_done    bigint            NULL,
                    progress_total   bigint            NULL,
                    progress_message nvarchar(max)     NULL,
                    progress_at      datetimeoffset(7) NULL,
                    checkpoint_json  nvarchar(max)     NULL
                """,
                $"DROP VIEW {s}.[task_state_named]",
                $"""
                CREATE VIEW {s}.[task_state_named] AS
                SELECT t.task_id, t.task_name, t.queue, t.state, t.entity_key, t.attempts, t.worker, t.result, t.error, t.created_at,
                       t.started_at, t.completed_at, t.updated_at, t.expires_at, t.progress_done, t.progress_total, t.progress_message,
                       t.progress_at, t.checkpoint_json,
                       CASE t.state WHEN 0 THEN N'pending' WHEN 1 THEN N'started' WHEN 2 THEN N'retrying' WHEN 10 THEN N'succeeded'
                           WHEN 11 THEN N'failed' WHEN 12 THEN N'revoked' WHEN 13 THEN N'expired' WHEN 14 THEN N'dead_lettered' END AS state_name
                FROM {s}.[task_state] t
                """,
                $"""
                CREATE TABLE {s}.[task_lease] (
                    task_id     nvarchar(255)     NOT NULL CONSTRAINT pk_task_lease PRIMARY KEY,
                    task_name   nvarchar(255)     NOT NULL,
                    queue       nvarchar(255)     NOT NULL,
                    holder      nvarchar(255)     NOT NULL,
                    token       bigint            NOT NULL,
                    attempt     int               NOT NULL,
                    headers     nvarchar(max)     NOT NULL,
                    body        varbinary(max)    NOT NULL,
                    acquired_at datetimeoffset(7) NOT NULL,
                    renewed_at  datetimeoffset(7) NOT NULL,
                    expires_at  datetimeoffset(7) NOT NULL)
                """,
                $"CREATE INDEX ix_task_lease_expires_at ON {s}.[task_lease] (expires_at)",
            ]),
            new Migration(3, "worker heartbeats",
            [
                $"""
                CREATE TABLE {s}.[worker] (
                    name         nvarchar(255)     NOT NULL CONSTRAINT pk_worker PRIMARY KEY,
                    host         nvarchar(255)     NOT NULL,
                    pid          int               NOT NULL,
                    version      nvarchar(64)      NULL,
                    queues       nvarchar(max)     NOT NULL,
                    concurrency  int               NOT NULL,
                    in_flight    int               NOT NULL,
                    started_at   datetimeoffset(7) NOT NULL,
                    last_seen_at datetimeoffset(7) NOT NULL,
                    stopped_at   datetimeoffset(7) NULL)
                """,
            ]),
            new Migration(4, "task queries and lineage: parent_id, root_id, indexes for the task list",
            [
                $"ALTER TABLE {s}.[task_state] ADD parent_id nvarchar(255) NULL, root_id nvarchar(255) NULL",
                $"DROP VIEW {s}.[task_state_named]",
                $"""
                CREATE VIEW {s}.[task_state_named] AS
                SELECT t.task_id, t.task_name, t.queue, t.state, t.entity_key, t.attempts, t.worker, t.result, t.error, t.created_at,
                       t.started_at, t.completed_at, t.updated_at, t.expires_at, t.progress_done, t.progress_total, t.progress_message,
                       t.progress_at, t.checkpoint_json, t.parent_id, t.root_id,
                       CASE t.state WHEN 0 THEN N'pending' WHEN 1 THEN N'started' WHEN 2 THEN N'retrying' WHEN 10 THEN N'succeeded'
                           WHEN 11 THEN N'failed' WHEN 12 THEN N'revoked' WHEN 13 THEN N'expired' WHEN 14 THEN N'dead_lettered' END AS state_name
                FROM {s}.[task_state] t
                """,
                // The keys end in task_id, the clustered primary key, which every nonclustered index carries anyway.
                $"CREATE INDEX ix_task_state_created_at ON {s}.[task_state] (created_at, task_id)",
                $"CREATE INDEX ix_task_state_state ON {s}.[task_state] (state, created_at, task_id)",
                $"CREATE INDEX ix_task_state_task_name ON {s}.[task_state] (task_name, created_at, task_id)",
                $"CREATE INDEX ix_task_state_worker ON {s}.[task_state] (worker, state)",
                // Filtered on IS NOT NULL: an equality on a parameter (never NULL-matching) can use them.
                $"CREATE INDEX ix_task_state_parent_id ON {s}.[task_state] (parent_id) WHERE parent_id IS NOT NULL",
                $"CREATE INDEX ix_task_state_root_id ON {s}.[task_state] (root_id) WHERE root_id IS NOT NULL",
            ]),
            new Migration(5, "distributed locks and per-key concurrency limits: lock_slot",
            [
                $"""
                CREATE TABLE {s}.[lock_slot] (
                    name        nvarchar(255)     NOT NULL,
                    slot        int               NOT NULL,
                    holder      nvarchar(255)     NOT NULL,
                    token       bigint            NOT NULL,
                    acquired_at datetimeoffset(7) NOT NULL,
                    expires_at  datetimeoffset(7) NOT NULL,
                    CONSTRAINT pk_lock_slot PRIMARY KEY (name, slot))
                """,
                $"CREATE SEQUENCE {s}.[lock_token] AS bigint START WITH 1",
                $"CREATE INDEX ix_lock_slot_expires_at ON {s}.[lock_slot] (expires_at)",
            ]),
            new Migration(6, "periodic tasks: schedules, scheduler lease, fire records",
            [
                $"""
                CREATE TABLE {s}.[schedule] (
                    name               nvarchar(200)     NOT NULL CONSTRAINT pk_schedule PRIMARY KEY,
                    task_name          nvarchar(255)     NOT NULL,
                    queue              nvarchar(255)     NULL,
                    arguments          nvarchar(max)     NOT NULL,
                    cron               nvarchar(255)     NULL,
                    every_ms           bigint            NULL,
                    time_zone          nvarchar(100)     NULL,
                    overlap            smallint          NOT NULL,
                    catch_up           smallint          NOT NULL,
                    catch_up_window_ms bigint            NOT NULL,
                    source             smallint          NOT NULL,
                    paused             bit               NOT NULL,
                    next_fire_at       datetimeoffset(7) NULL,
                    last_fire_at       datetimeoffset(7) NULL,
                    last_task_id       nvarchar(255)     NULL,
                    buffered           int               NOT NULL,
                    version            bigint            NOT NULL,
                    created_at         datetimeoffset(7) NOT NULL,
                    updated_at         datetimeoffset(7) NOT NULL)
                """,
                $"CREATE INDEX ix_schedule_next_fire_at ON {s}.[schedule] (next_fire_at) WHERE paused = 0",
                $"""
                CREATE TABLE {s}.[scheduler_lease] (
                    name        nvarchar(100)     NOT NULL CONSTRAINT pk_scheduler_lease PRIMARY KEY,
                    holder      nvarchar(255)     NOT NULL,
                    token       bigint            NOT NULL,
                    acquired_at datetimeoffset(7) NOT NULL,
                    renewed_at  datetimeoffset(7) NOT NULL,
                    expires_at  datetimeoffset(7) NOT NULL)
                """,
                $"""
                CREATE TABLE {s}.[schedule_fire] (
                    task_id       nvarchar(255)     NOT NULL CONSTRAINT pk_schedule_fire PRIMARY KEY,
                    schedule_name nvarchar(200)     NOT NULL,
                    fire_at       datetimeoffset(7) NOT NULL,
                    status        smallint          NOT NULL,
                    token         bigint            NULL,
                    recorded_at   datetimeoffset(7) NOT NULL,
                    sent_at       datetimeoffset(7) NULL)
                """,
                $"CREATE INDEX ix_schedule_fire_schedule ON {s}.[schedule_fire] (schedule_name, fire_at)",
                $"CREATE INDEX ix_schedule_fire_recorded_at ON {s}.[schedule_fire] (recorded_at)",
            ]),
            AuditStatements.SqlServer(s).Migration,
            QueuePauseStatements.SqlServer(s).Migration,
            UniqueKeyStatements.SqlServer(s).Migration,
            RateLimitStatements.SqlServer(s).Migration,
            ArgumentsMigration.SqlServer(s),
            OrderStatements.SqlServer(s).Migration,
            AttemptsMigration.SqlServer(s),
        ]);

    private static TaskStateStatements States(string s) => new(
        Select: $"SELECT state FROM {s}.[task_state] WHERE task_id = @TaskId",
        SelectAmong: $"SELECT task_id AS TaskId, state AS State, attempts AS Attempts FROM {s}.[task_state] WHERE task_id IN @Ids",
        SelectInfo: $"SELECT {StateRow.Columns} FROM {s}.[task_state] WHERE task_id = @TaskId",
        SelectInfoAmong: $"SELECT {StateRow.Columns} FROM {s}.[task_state] WHERE task_id IN @Ids",
        Upsert: $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (SELECT @TaskId AS task_id) AS src ON t.task_id = src.task_id
            WHEN MATCHED AND ((t.state < 10 AND (@State <> 0 OR t.state = 0))
                           OR (t.state = 12 AND @State IN (10, 11) AND t.started_at IS NOT NULL)) THEN
                UPDATE SET
                    state = @State,
                    task_name = COALESCE(@TaskName, t.task_name),
                    queue = COALESCE(@Queue, t.queue),
                    entity_key = COALESCE(t.entity_key, @EntityKey),
                    attempts = CASE WHEN @Attempts > t.attempts THEN @Attempts ELSE t.attempts END,
                    worker = COALESCE(@Worker, t.worker),
                    result = @Result,
                    error = CASE WHEN @State = 10 THEN NULL ELSE COALESCE(@Error, t.error) END,
                    started_at = COALESCE(@StartedAt, t.started_at),
                    completed_at = @CompletedAt,
                    updated_at = @Now,
                    expires_at = @ExpiresAt,
                    parent_id = COALESCE(t.parent_id, @ParentId),
                    root_id = COALESCE(t.root_id, @RootId),
                    arguments = COALESCE(t.arguments, @Arguments),
                    trace_id = COALESCE(t.trace_id, @TraceId),
                    headers = COALESCE(t.headers, @Headers)
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at, parent_id, root_id, arguments, trace_id, headers)
                VALUES (@TaskId, @TaskName, @Queue, @State, @EntityKey, @Attempts, @Worker, @Result, @Error, @Now, @StartedAt, @CompletedAt, @Now, @ExpiresAt, @ParentId, @RootId, @Arguments, @TraceId, @Headers);
            """,
        UpsertBatch: new SqlServerStateBatchUpsert(s),
        Revoke: $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (SELECT @TaskId AS task_id) AS src ON t.task_id = src.task_id
            WHEN MATCHED AND t.state < 10 THEN
                UPDATE SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (task_id, state, attempts, error, created_at, completed_at, updated_at, expires_at)
                VALUES (@TaskId, 12, 0, @Error, @Now, @Now, @Now, @ExpiresAt);
            """,
        RevokeBatch: new SqlServerStateBatchRevoke(s),
        SelectRevokedAmong: $"SELECT task_id FROM {s}.[task_state] WHERE task_id IN @Ids AND state = 12",
        // READPAST: two cleaners (or a cleaner and a writer) skip each other's locked rows instead of waiting.
        DeleteExpired: $"DELETE TOP (@BatchSize) FROM {s}.[task_state] WITH (ROWLOCK, READPAST) WHERE expires_at < @Now",
        UpsertProgress: $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (SELECT @TaskId AS task_id) AS src ON t.task_id = src.task_id
            WHEN MATCHED AND t.state < 10 THEN
                UPDATE SET progress_done = @Done, progress_total = @Total, progress_message = @Message, progress_at = @Now, updated_at = @Now
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, state, attempts, worker, created_at, started_at, updated_at, expires_at,
                        progress_done, progress_total, progress_message, progress_at)
                VALUES (@TaskId, @TaskName, @Queue, 1, @Attempts, @Worker, @Now, @Now, @Now, @ExpiresAt, @Done, @Total, @Message, @Now);
            """,
        UpsertCheckpoint: $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (SELECT @TaskId AS task_id) AS src ON t.task_id = src.task_id
            WHEN MATCHED AND t.state < 10 THEN
                UPDATE SET checkpoint_json = @Checkpoint, updated_at = @Now
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, state, attempts, worker, created_at, started_at, updated_at, expires_at, checkpoint_json)
                VALUES (@TaskId, @TaskName, @Queue, 1, @Attempts, @Worker, @Now, @Now, @Now, @ExpiresAt, @Checkpoint);
            """,
        SelectCheckpoint: $"SELECT checkpoint_json FROM {s}.[task_state] WHERE task_id = @TaskId",
        Reopen: $"UPDATE {s}.[task_state] SET state = 0, error = NULL, result = NULL, completed_at = NULL, updated_at = @Now, expires_at = @ExpiresAt WHERE task_id = @TaskId AND state IN (11, 14)");

    private static TaskQueryStatements Queries(string s) => new(
        SelectPage: $"SELECT TOP (@Limit) {StateRow.Columns} FROM {s}.[task_state] WHERE {{where}} ORDER BY created_at DESC, task_id DESC",
        StateAmong: "state IN @States",
        // No row comparison in T-SQL: the same keyset spelled out (still a seek on ix_task_state_created_at).
        Before: "(created_at < @CursorAt OR (created_at = @CursorAt AND task_id < @CursorId))",
        OnLostWorker: $"worker IN (SELECT name FROM {s}.[worker] WHERE stopped_at IS NULL AND last_seen_at < @LostBefore)",
        Like: @"{column} LIKE {parameter} ESCAPE '\'",
        // Case-insensitive whatever the database's collation; no index serves a substring either way.
        LikeAnyCase: @"{column} COLLATE Latin1_General_100_CI_AS LIKE {parameter} ESCAPE '\'",
        CountSince: $"SELECT task_name AS TaskName, state AS State, COUNT_BIG(*) AS Count FROM {s}.[task_state] WHERE created_at >= @Since GROUP BY task_name, state");

    private static WorkerStatements Workers(string s) => new(
        Upsert: $"""
            MERGE {s}.[worker] WITH (HOLDLOCK) AS w
            USING (SELECT @Name AS name) AS src ON w.name = src.name
            WHEN MATCHED THEN UPDATE SET host = @Host, pid = @ProcessId, version = @Version, queues = @Queues, concurrency = @Concurrency,
                in_flight = @InFlight, started_at = @StartedAt, last_seen_at = @Now, stopped_at = NULL
            WHEN NOT MATCHED THEN INSERT (name, host, pid, version, queues, concurrency, in_flight, started_at, last_seen_at, stopped_at)
                VALUES (@Name, @Host, @ProcessId, @Version, @Queues, @Concurrency, @InFlight, @StartedAt, @Now, NULL);
            """,
        Stop: $"UPDATE {s}.[worker] SET stopped_at = @Now, last_seen_at = @Now, in_flight = 0 WHERE name = @Name",
        SelectAll: $"SELECT name AS Name, host AS Host, pid AS ProcessId, version AS Version, queues AS Queues, concurrency AS Concurrency, in_flight AS InFlight, started_at AS StartedAt, last_seen_at AS LastSeenAt, stopped_at AS StoppedAt FROM {s}.[worker] ORDER BY name",
        DeleteGone: $"DELETE FROM {s}.[worker] WHERE last_seen_at < @Before");

    private static TaskLeaseStatements TaskLeases(string s) => new(
        // HOLDLOCK: the match and the insert are atomic, so two workers taking over the same expired lease serialize.
        Acquire: $"""
            MERGE {s}.[task_lease] WITH (HOLDLOCK) AS l
            USING (SELECT @TaskId AS task_id) AS src ON l.task_id = src.task_id
            WHEN MATCHED AND l.expires_at <= @Now THEN
                UPDATE SET task_name = @TaskName, queue = @Queue, holder = @Holder, token = l.token + 1, attempt = @Attempt, headers = @Headers,
                    body = @Body, acquired_at = @Now, renewed_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, holder, token, attempt, headers, body, acquired_at, renewed_at, expires_at)
                VALUES (@TaskId, @TaskName, @Queue, @Holder, 1, @Attempt, @Headers, @Body, @Now, @Now, @ExpiresAt)
            OUTPUT INSERTED.token;
            """,
        SelectHolder: $"SELECT holder AS Holder, expires_at AS ExpiresAt FROM {s}.[task_lease] WHERE task_id = @TaskId",
        Renew: $"UPDATE {s}.[task_lease] SET renewed_at = @Now, expires_at = @ExpiresAt WHERE task_id = @TaskId AND token = @Token",
        Release: $"DELETE FROM {s}.[task_lease] WHERE task_id = @TaskId AND token = @Token",
        Expire: $"UPDATE {s}.[task_lease] SET expires_at = @Now WHERE task_id = @TaskId AND token = @Token",
        // UPDLOCK + READPAST: SQL Server's FOR UPDATE SKIP LOCKED, as for the outbox.
        ClaimExpired: $"""
            SELECT TOP (@BatchSize) task_id AS TaskId, task_name AS TaskName, queue AS Queue, holder AS Holder, token AS Token, attempt AS Attempt,
                   headers AS Headers, body AS Body
            FROM {s}.[task_lease] WITH (UPDLOCK, ROWLOCK, READPAST) WHERE expires_at <= @Now ORDER BY expires_at
            """);

    private static LockStatements Locks(string s) => new(
        // NEXT VALUE FOR is not allowed inside MERGE: the token is drawn first (a refused attempt wastes one, harmlessly).
        Acquire: $"""
            DECLARE @token bigint = NEXT VALUE FOR {s}.[lock_token];
            MERGE {s}.[lock_slot] WITH (HOLDLOCK) AS l
            USING (SELECT @Name AS name, @Slot AS slot) AS src ON l.name = src.name AND l.slot = src.slot
            WHEN MATCHED AND l.expires_at <= @Now THEN
                UPDATE SET holder = @Holder, token = @token, acquired_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (name, slot, holder, token, acquired_at, expires_at) VALUES (@Name, @Slot, @Holder, @token, @Now, @ExpiresAt)
            OUTPUT INSERTED.token;
            """,
        Renew: $"UPDATE {s}.[lock_slot] SET expires_at = @ExpiresAt WHERE name = @Name AND slot = @Slot AND token = @Token",
        Release: $"UPDATE {s}.[lock_slot] SET expires_at = @Now WHERE name = @Name AND slot = @Slot AND token = @Token",
        SelectHeld: $"SELECT name AS Name, slot AS Slot, holder AS Holder, token AS Token, acquired_at AS AcquiredAt, expires_at AS ExpiresAt FROM {s}.[lock_slot] WHERE name = @Name AND expires_at > @Now ORDER BY slot",
        DeleteExpired: $"DELETE TOP (@BatchSize) FROM {s}.[lock_slot] WITH (ROWLOCK, READPAST) WHERE expires_at < @Before");

    private static EntityLeaseStatements Leases(string s) => new(
        LockResource: """
            DECLARE @result int;
            EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000;
            IF @result < 0 THROW 50002, 'TaskFlow: could not take the entity lock within 30 s', 1;
            """,
        Select: $"SELECT holder AS Holder, expires_at AS ExpiresAt FROM {s}.[entity_lease] WHERE entity_key = @EntityKey",
        SelectUnfinished: $"SELECT TOP (10) task_id FROM {s}.[task_state] WHERE entity_key = @EntityKey AND state < 10 AND expires_at > @Now ORDER BY task_id",
        // Under the entity's application lock, so no second MERGE can race this one.
        Replace: $"""
            MERGE {s}.[entity_lease] WITH (HOLDLOCK) AS l
            USING (SELECT @EntityKey AS entity_key) AS src ON l.entity_key = src.entity_key
            WHEN MATCHED THEN UPDATE SET holder = @Holder, acquired_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN INSERT (entity_key, holder, acquired_at, expires_at) VALUES (@EntityKey, @Holder, @Now, @ExpiresAt);
            """,
        Delete: $"DELETE FROM {s}.[entity_lease] WHERE entity_key = @EntityKey AND holder = @Holder",
        // READPAST, as for the task states.
        DeleteExpired: $"DELETE TOP (@BatchSize) FROM {s}.[entity_lease] WITH (ROWLOCK, READPAST) WHERE expires_at < @Now",
        RevokeUnfinished: $"""
            UPDATE {s}.[task_state] SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            OUTPUT INSERTED.task_id
            WHERE entity_key = @EntityKey AND state < 10
            """);

    private static OutboxStatements Outbox(string s) => new(
        InsertTransaction: $"INSERT INTO {s}.[outbox_transaction] (created_at, next_attempt_at) OUTPUT INSERTED.id VALUES (@Now, @Now)",
        InsertMessage: $"""
            INSERT INTO {s}.[outbox_message] (transaction_id, seq, task_id, task_name, queue, headers, body, eta, priority)
            VALUES (@TransactionId, @Seq, @TaskId, @TaskName, @Queue, @Headers, @Body, @Eta, @Priority)
            """,
        InsertMessagesHead: $"INSERT INTO {s}.[outbox_message] (transaction_id, seq, task_id, task_name, queue, headers, body, eta, priority) VALUES ",
        MessagesPerInsert: 290,
        // UPDLOCK holds the claimed rows until the relay commits; READPAST skips rows another relay holds
        // (SQL Server's SKIP LOCKED); ROWLOCK keeps it from taking page locks that would block the others.
        Claim: $"SELECT TOP (@BatchSize) id AS Id, attempts AS Attempts FROM {s}.[outbox_transaction] WITH (UPDLOCK, ROWLOCK, READPAST) WHERE next_attempt_at <= @Now ORDER BY id",
        SelectMessages: $"""
            SELECT transaction_id AS TransactionId, seq AS Seq, task_id AS TaskId, task_name AS TaskName, queue AS Queue, headers AS Headers,
                   body AS Body, eta AS Eta, priority AS Priority
            FROM {s}.[outbox_message] WHERE transaction_id IN @Ids ORDER BY transaction_id, seq
            """,
        DeleteTransactions: $"DELETE FROM {s}.[outbox_transaction] WHERE id IN @Ids",
        FailTransaction: $"UPDATE {s}.[outbox_transaction] SET attempts = attempts + 1, last_error = @Error, next_attempt_at = @NextAttemptAt WHERE id = @Id",
        SelectStatus: $"""
            SELECT COUNT_BIG(*) AS Pending, COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS Failing, MIN(created_at) AS Oldest
            FROM {s}.[outbox_transaction] WITH (READPAST)
            """,
        SelectFailures: $"""
            SELECT TOP (20) id AS Id, created_at AS CreatedAt, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError
            FROM {s}.[outbox_transaction] WITH (READPAST) WHERE attempts > 0 ORDER BY id
            """,
        SelectBacklog: $"SELECT (SELECT COUNT_BIG(*) FROM {s}.[outbox_message] WITH (READPAST)) AS Messages, (SELECT MIN(created_at) FROM {s}.[outbox_transaction] WITH (READPAST)) AS Oldest");

    private static ScheduleStatements Schedules(string s) => new(
        SelectAll: $"SELECT {ScheduleStatements.Columns} FROM {s}.[schedule] ORDER BY name",
        SelectOne: $"SELECT {ScheduleStatements.Columns} FROM {s}.[schedule] WHERE name = @Name",
        SelectOneForUpdate: $"SELECT {ScheduleStatements.Columns} FROM {s}.[schedule] WITH (UPDLOCK, ROWLOCK) WHERE name = @Name",
        Insert: $"""
            INSERT INTO {s}.[schedule] (name, task_name, queue, arguments, cron, every_ms, time_zone, overlap, catch_up, catch_up_window_ms, source, paused,
                                        next_fire_at, last_fire_at, last_task_id, buffered, version, created_at, updated_at)
            VALUES (@Name, @TaskName, @Queue, @Arguments, @Cron, @EveryMs, @TimeZone, @Overlap, @CatchUp, @CatchUpWindowMs, @Source, @Paused,
                    @NextFireAt, NULL, NULL, 0, 1, @Now, @Now)
            """,
        UpdateDefinition: $"""
            UPDATE {s}.[schedule] SET task_name = @TaskName, queue = @Queue, arguments = @Arguments, cron = @Cron, every_ms = @EveryMs, time_zone = @TimeZone,
                overlap = @Overlap, catch_up = @CatchUp, catch_up_window_ms = @CatchUpWindowMs, next_fire_at = @NextFireAt, version = version + 1, updated_at = @Now
            WHERE name = @Name
            """,
        Pause: $"UPDATE {s}.[schedule] SET paused = 1, version = version + 1, updated_at = @Now WHERE name = @Name",
        Resume: $"UPDATE {s}.[schedule] SET paused = 0, next_fire_at = @NextFireAt, version = version + 1, updated_at = @Now WHERE name = @Name",
        Delete: $"DELETE FROM {s}.[schedule] WHERE name = @Name",
        DeleteFires: $"DELETE FROM {s}.[schedule_fire] WHERE schedule_name = @Name",
        SelectDue: $"""
            SELECT TOP (@Limit) {ScheduleStatements.ColumnsOf("s.")}, t.state AS LastState,
                   (SELECT MIN(f.fire_at) FROM {s}.[schedule_fire] f WHERE f.schedule_name = s.name AND f.status = 2) AS OldestBufferedAt
            FROM {s}.[schedule] s LEFT JOIN {s}.[task_state] t ON t.task_id = s.last_task_id
            WHERE s.paused = 0 AND (s.next_fire_at <= @Now OR s.buffered > 0)
            ORDER BY s.next_fire_at
            """,
        SelectEarliest: $"SELECT MIN(next_fire_at) FROM {s}.[schedule] WHERE paused = 0",
        Advance: $"""
            UPDATE {s}.[schedule] SET next_fire_at = @NextFireAt, last_fire_at = COALESCE(@LastFireAt, last_fire_at), last_task_id = COALESCE(@LastTaskId, last_task_id),
                buffered = @Buffered, version = version + 1, updated_at = @Now
            WHERE name = @Name AND version = @Version AND paused = 0
            """,
        SetLastFire: $"UPDATE {s}.[schedule] SET last_fire_at = @LastFireAt, last_task_id = @LastTaskId, version = version + 1, updated_at = @Now WHERE name = @Name",
        InsertFire: $"""
            INSERT INTO {s}.[schedule_fire] (task_id, schedule_name, fire_at, status, token, recorded_at, sent_at)
            SELECT @TaskId, @Schedule, @FireAt, @Status, @Token, @Now, @SentAt
            WHERE NOT EXISTS (SELECT 1 FROM {s}.[schedule_fire] WITH (UPDLOCK, HOLDLOCK) WHERE task_id = @TaskId)
            """,
        MarkFireSent: $"UPDATE {s}.[schedule_fire] SET status = 0, sent_at = @Now, token = @Token WHERE task_id = @TaskId AND status = 2",
        SelectFires: $"SELECT TOP (@Limit) {ScheduleStatements.FireColumns} FROM {s}.[schedule_fire] WHERE schedule_name = @Name ORDER BY fire_at DESC, recorded_at DESC",
        DeleteOldFires: $"DELETE TOP (@BatchSize) FROM {s}.[schedule_fire] WITH (ROWLOCK, READPAST) WHERE recorded_at < @Before AND status <> 2",
        // HOLDLOCK: the match and the insert are atomic, so two takers of an expired lease serialize.
        AcquireLease: $"""
            MERGE {s}.[scheduler_lease] WITH (HOLDLOCK) AS l
            USING (SELECT @Name AS name) AS src ON l.name = src.name
            WHEN MATCHED AND l.expires_at <= @Now THEN
                UPDATE SET holder = @Holder, token = l.token + 1, acquired_at = @Now, renewed_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (name, holder, token, acquired_at, renewed_at, expires_at) VALUES (@Name, @Holder, 1, @Now, @Now, @ExpiresAt)
            OUTPUT INSERTED.token;
            """,
        RenewLease: $"UPDATE {s}.[scheduler_lease] SET renewed_at = @Now, expires_at = @ExpiresAt WHERE name = @Name AND token = @Token AND expires_at > @Now",
        ReleaseLease: $"UPDATE {s}.[scheduler_lease] SET expires_at = @Now WHERE name = @Name AND token = @Token",
        FenceLease: $"UPDATE {s}.[scheduler_lease] SET renewed_at = renewed_at WHERE name = @Name AND token = @Token AND expires_at > @Now");
}
