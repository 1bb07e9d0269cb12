using System.Collections.Generic;

namespace TaskFlow.State.Internal;

/// <summary>
/// SQL Server 2016+ / Azure SQL. Row locking with <c>UPDLOCK, ROWLOCK, READPAST</c>, application locks
/// (<c>sp_getapplock</c>) owned by the transaction, <c>MERGE ... WITH (HOLDLOCK)</c> upserts (HOLDLOCK makes the
/// match and the insert atomic; without it two MERGEs of the same key race into a primary-key violation),
/// <c>DELETE TOP (n)</c> batches kept below the 5,000-lock escalation threshold. Times are
/// <c>datetimeoffset(7)</c>, the type of the parameters, so comparisons never convert the column and every
/// predicate can seek its index. Keys are <c>nvarchar(255)</c> (510 bytes, under the 900-byte key limit).
/// </summary>
internal sealed class SqlServerDialect : SqlDialect
{
    private const string StateColumns =
        "task_id AS TaskId, task_name AS TaskName, queue AS Queue, state AS State, entity_key AS EntityKey, attempts AS Attempts, worker AS Worker, " +
        "error AS Error, result AS ResultJson, created_at AS CreatedAt, started_at AS StartedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt, expires_at AS ExpiresAt";

    public SqlServerDialect(string schema)
        : base(schema)
    {
        var s = "[" + schema + "]";
        Bootstrap =
        [
            $"IF SCHEMA_ID(N'{schema}') IS NULL EXEC(N'CREATE SCHEMA {s}')",
            $"""
            IF OBJECT_ID(N'{s}.[schema_migrations]', N'U') IS NULL
                CREATE TABLE {s}.[schema_migrations] (
                    version     int            NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
                    description nvarchar(200)  NOT NULL,
                    applied_at  datetimeoffset(7) NOT NULL)
            """,
        ];
        // Exclusive, owned by the transaction: released by its commit or rollback, whatever happens.
        LockMigrations = """
            DECLARE @result int;
            EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 120000;
            IF @result < 0 THROW 50001, 'TaskFlow: could not take the schema migration lock within 120 s', 1;
            """;
        SelectSchemaVersion = $"SELECT COALESCE(MAX(version), 0) FROM {s}.[schema_migrations]";
        SelectAppliedVersions = $"SELECT version FROM {s}.[schema_migrations]";
        InsertVersion = $"INSERT INTO {s}.[schema_migrations] (version, description, applied_at) VALUES (@Version, @Description, @Now)";
        Migrations =
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
        ];

        SelectState = $"SELECT state FROM {s}.[task_state] WHERE task_id = @TaskId";
        SelectStatesAmong = $"SELECT task_id AS TaskId, state AS State FROM {s}.[task_state] WHERE task_id IN @Ids";
        SelectInfo = $"SELECT {StateColumns} FROM {s}.[task_state] WHERE task_id = @TaskId";
        UpsertState = $"""
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
                    expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at)
                VALUES (@TaskId, @TaskName, @Queue, @State, @EntityKey, @Attempts, @Worker, @Result, @Error, @Now, @StartedAt, @CompletedAt, @Now, @ExpiresAt);
            """;
        Revoke = $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (SELECT @TaskId AS task_id) AS src ON t.task_id = src.task_id
            WHEN MATCHED AND t.state < 10 THEN
                UPDATE SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (task_id, state, attempts, error, created_at, completed_at, updated_at, expires_at)
                VALUES (@TaskId, 12, 0, @Error, @Now, @Now, @Now, @ExpiresAt);
            """;
        RevokeEntity = $"""
            UPDATE {s}.[task_state] SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            OUTPUT INSERTED.task_id
            WHERE entity_key = @EntityKey AND state < 10
            """;
        SelectRevokedAmong = $"SELECT task_id FROM {s}.[task_state] WHERE task_id IN @Ids AND state = 12";
        // READPAST: two cleaners (or a cleaner and a writer) skip each other's locked rows instead of waiting.
        DeleteExpiredStates = $"DELETE TOP (@BatchSize) FROM {s}.[task_state] WITH (ROWLOCK, READPAST) WHERE expires_at < @Now";
        DeleteExpiredLeases = $"DELETE TOP (@BatchSize) FROM {s}.[entity_lease] WITH (ROWLOCK, READPAST) WHERE expires_at < @Now";

        LockEntityResource = """
            DECLARE @result int;
            EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000;
            IF @result < 0 THROW 50002, 'TaskFlow: could not take the entity lock within 30 s', 1;
            """;
        SelectLease = $"SELECT holder AS Holder, expires_at AS ExpiresAt FROM {s}.[entity_lease] WHERE entity_key = @EntityKey";
        SelectUnfinishedOfEntity = $"SELECT TOP (10) task_id FROM {s}.[task_state] WHERE entity_key = @EntityKey AND state < 10 AND expires_at > @Now ORDER BY task_id";
        // Under the entity's application lock, so no second MERGE can race this one.
        ReplaceLease = $"""
            MERGE {s}.[entity_lease] WITH (HOLDLOCK) AS l
            USING (SELECT @EntityKey AS entity_key) AS src ON l.entity_key = src.entity_key
            WHEN MATCHED THEN UPDATE SET holder = @Holder, acquired_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN INSERT (entity_key, holder, acquired_at, expires_at) VALUES (@EntityKey, @Holder, @Now, @ExpiresAt);
            """;
        DeleteLease = $"DELETE FROM {s}.[entity_lease] WHERE entity_key = @EntityKey AND holder = @Holder";

        InsertOutboxTransaction = $"INSERT INTO {s}.[outbox_transaction] (created_at, next_attempt_at) OUTPUT INSERTED.id VALUES (@Now, @Now)";
        InsertOutboxMessage = $"""
            INSERT INTO {s}.[outbox_message] (transaction_id, seq, task_id, task_name, queue, headers, body, eta, priority)
            VALUES (@TransactionId, @Seq, @TaskId, @TaskName, @Queue, @Headers, @Body, @Eta, @Priority)
            """;
        // UPDLOCK holds the claimed rows until the relay commits; READPAST skips rows another relay holds
        // (SQL Server's SKIP LOCKED); ROWLOCK keeps it from taking page locks that would block the others.
        ClaimOutbox = $"SELECT TOP (@BatchSize) id AS Id, attempts AS Attempts FROM {s}.[outbox_transaction] WITH (UPDLOCK, ROWLOCK, READPAST) WHERE next_attempt_at <= @Now ORDER BY id";
        SelectOutboxMessages = $"""
            SELECT transaction_id AS TransactionId, seq AS Seq, task_id AS TaskId, task_name AS TaskName, queue AS Queue, headers AS Headers,
                   body AS Body, eta AS Eta, priority AS Priority
            FROM {s}.[outbox_message] WHERE transaction_id IN @Ids ORDER BY transaction_id, seq
            """;
        DeleteOutboxTransactions = $"DELETE FROM {s}.[outbox_transaction] WHERE id IN @Ids";
        FailOutboxTransaction = $"UPDATE {s}.[outbox_transaction] SET attempts = attempts + 1, last_error = @Error, next_attempt_at = @NextAttemptAt WHERE id = @Id";
        SelectOutboxStatus = $"""
            SELECT COUNT_BIG(*) AS Pending, COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS Failing, MIN(created_at) AS Oldest
            FROM {s}.[outbox_transaction] WITH (READPAST)
            """;
        SelectOutboxFailures = $"""
            SELECT TOP (20) id AS Id, created_at AS CreatedAt, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError
            FROM {s}.[outbox_transaction] WITH (READPAST) WHERE attempts > 0 ORDER BY id
            """;
    }

    public override string Name => "SQL Server";

    /// <summary>13 parameters a row: 100 rows stay well under SQL Server's 2,100-parameter limit.</summary>
    public override int MaxRowsPerUpsert => 100;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _upsertStates = new();

    /// <summary>One MERGE whose source is a table value constructor of the rows (numbered parameters).</summary>
    public override (string Sql, object Parameters) UpsertStates(IReadOnlyList<StateWrite> rows)
    {
        var parameters = new Dapper.DynamicParameters();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters.Add("TaskId_" + n, row.TaskId, System.Data.DbType.String);
            parameters.Add("TaskName_" + n, row.TaskName, System.Data.DbType.String);
            parameters.Add("Queue_" + n, row.Queue, System.Data.DbType.String);
            parameters.Add("State_" + n, row.State, System.Data.DbType.Int32);
            parameters.Add("EntityKey_" + n, row.EntityKey, System.Data.DbType.String);
            parameters.Add("Attempts_" + n, row.Attempts, System.Data.DbType.Int32);
            parameters.Add("Worker_" + n, row.Worker, System.Data.DbType.String);
            parameters.Add("Result_" + n, row.Result, System.Data.DbType.String, size: -1);
            parameters.Add("Error_" + n, row.Error, System.Data.DbType.String, size: -1);
            parameters.Add("Now_" + n, row.Now, System.Data.DbType.DateTimeOffset);
            parameters.Add("StartedAt_" + n, row.StartedAt, System.Data.DbType.DateTimeOffset);
            parameters.Add("CompletedAt_" + n, row.CompletedAt, System.Data.DbType.DateTimeOffset);
            parameters.Add("ExpiresAt_" + n, row.ExpiresAt, System.Data.DbType.DateTimeOffset);
        }

        return (_upsertStates.GetOrAdd(rows.Count, BuildUpsertStates), parameters);
    }

    private string BuildUpsertStates(int count)
    {
        var values = new System.Text.StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values.Append(i == 0 ? "    (" : ",\n    (")
                .Append(System.Globalization.CultureInfo.InvariantCulture, $"@TaskId_{n}, @TaskName_{n}, @Queue_{n}, @State_{n}, @EntityKey_{n}, @Attempts_{n}, @Worker_{n}, @Result_{n}, @Error_{n}, @Now_{n}, @StartedAt_{n}, @CompletedAt_{n}, @ExpiresAt_{n})");
        }

        var s = "[" + Schema + "]";
        return $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (VALUES
            {values}
            ) AS src (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, now_at, started_at, completed_at, expires_at)
            ON t.task_id = src.task_id
            WHEN MATCHED AND ((t.state < 10 AND (src.state <> 0 OR t.state = 0))
                           OR (t.state = 12 AND src.state IN (10, 11) AND t.started_at IS NOT NULL)) THEN
                UPDATE SET
                    state = src.state,
                    task_name = COALESCE(src.task_name, t.task_name),
                    queue = COALESCE(src.queue, t.queue),
                    entity_key = COALESCE(t.entity_key, src.entity_key),
                    attempts = CASE WHEN src.attempts > t.attempts THEN src.attempts ELSE t.attempts END,
                    worker = COALESCE(src.worker, t.worker),
                    result = src.result,
                    error = CASE WHEN src.state = 10 THEN NULL ELSE COALESCE(src.error, t.error) END,
                    started_at = COALESCE(src.started_at, t.started_at),
                    completed_at = src.completed_at,
                    updated_at = src.now_at,
                    expires_at = src.expires_at
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at)
                VALUES (src.task_id, src.task_name, src.queue, src.state, src.entity_key, src.attempts, src.worker, src.result, src.error, src.now_at, src.started_at, src.completed_at, src.now_at, src.expires_at);
            """;
    }

    public override IReadOnlyList<string> Bootstrap { get; }

    public override string LockMigrations { get; }

    public override string SelectSchemaVersion { get; }

    public override string SelectAppliedVersions { get; }

    public override string InsertVersion { get; }

    public override IReadOnlyList<Migration> Migrations { get; }

    public override string SelectState { get; }

    public override string SelectInfo { get; }

    public override string SelectStatesAmong { get; }

    public override string UpsertState { get; }

    public override string Revoke { get; }

    public override string RevokeEntity { get; }

    public override string SelectRevokedAmong { get; }

    public override string DeleteExpiredStates { get; }

    public override string DeleteExpiredLeases { get; }

    public override string LockEntityResource { get; }

    public override string SelectLease { get; }

    public override string SelectUnfinishedOfEntity { get; }

    public override string ReplaceLease { get; }

    public override string DeleteLease { get; }

    public override string InsertOutboxTransaction { get; }

    public override string InsertOutboxMessage { get; }

    public override string ClaimOutbox { get; }

    public override string SelectOutboxMessages { get; }

    public override string DeleteOutboxTransactions { get; }

    public override string FailOutboxTransaction { get; }

    public override string SelectOutboxStatus { get; }

    public override string SelectOutboxFailures { get; }

    protected override string StatementSeparator => "GO";

    protected override string NowExpression => "SYSDATETIMEOFFSET()";
}
