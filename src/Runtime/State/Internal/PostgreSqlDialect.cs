using System;
using System.Collections.Generic;
using System.Data.Common;

namespace TaskFlow.State.Internal;

/// <summary>PostgreSQL 11+. Row locking with <c>FOR UPDATE SKIP LOCKED</c>, advisory transaction locks, <c>ON CONFLICT</c> upserts.</summary>
internal sealed class PostgreSqlDialect : SqlDialect
{
    private const string StateColumns =
        "task_id AS TaskId, task_name AS TaskName, queue AS Queue, state AS State, entity_key AS EntityKey, attempts AS Attempts, worker AS Worker, " +
        "error AS Error, result AS ResultJson, created_at AS CreatedAt, started_at AS StartedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt, expires_at AS ExpiresAt";

    public PostgreSqlDialect(string schema)
        : base(schema)
    {
        var s = schema;
        Bootstrap =
        [
            $"CREATE SCHEMA IF NOT EXISTS {s}",
            $"CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL)",
        ];
        LockMigrations = "SELECT pg_advisory_xact_lock(hashtextextended(@Resource, 0))";
        SelectSchemaVersion = $"SELECT COALESCE(MAX(version), 0) FROM {s}.schema_migrations";
        SelectAppliedVersions = $"SELECT version FROM {s}.schema_migrations";
        InsertVersion = $"INSERT INTO {s}.schema_migrations (version, description, applied_at) VALUES (@Version, @Description, @Now)";
        Migrations =
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
                // cleanup: DeleteExpiredStates
                $"CREATE INDEX ix_task_state_expires_at ON {s}.task_state (expires_at)",
                // revoke by key, entity locks: RevokeEntity, SelectUnfinishedOfEntity
                $"CREATE INDEX ix_task_state_entity_key ON {s}.task_state (entity_key, state) WHERE entity_key IS NOT NULL",
                $"""
                CREATE VIEW {s}.task_state_named AS
                SELECT t.*, CASE t.state WHEN 0 THEN 'pending' WHEN 1 THEN 'started' WHEN 2 THEN 'retrying' WHEN 10 THEN 'succeeded'
                    WHEN 11 THEN 'failed' WHEN 12 THEN 'revoked' WHEN 13 THEN 'expired' WHEN 14 THEN 'dead_lettered' END AS state_name
                FROM {s}.task_state t
                """,
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
                // the relay's claim: ClaimOutbox
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
        ];

        SelectState = $"SELECT state FROM {s}.task_state WHERE task_id = @TaskId";
        SelectStatesAmong = $"SELECT task_id AS TaskId, state AS State FROM {s}.task_state WHERE task_id = ANY(@Ids)";
        SelectInfo = $"SELECT {StateColumns} FROM {s}.task_state WHERE task_id = @TaskId";
        UpsertState = $"""
            INSERT INTO {s}.task_state AS t (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at)
            VALUES (@TaskId, @TaskName, @Queue, @State, @EntityKey, @Attempts, @Worker, @Result, @Error, @Now, @StartedAt, @CompletedAt, @Now, @ExpiresAt)
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
                expires_at = EXCLUDED.expires_at
            WHERE (t.state < 10 AND (EXCLUDED.state <> 0 OR t.state = 0))
               OR (t.state = 12 AND EXCLUDED.state IN (10, 11) AND t.started_at IS NOT NULL)
            """;
        UpsertStatesSql = $"""
            INSERT INTO {s}.task_state AS t (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at)
            SELECT u.task_id, u.task_name, u.queue, u.state, u.entity_key, u.attempts, u.worker, u.result, u.error, u.now_at, u.started_at, u.completed_at, u.now_at, u.expires_at
            FROM unnest(@TaskIds::varchar[], @TaskNames::varchar[], @Queues::varchar[], @States::int[], @EntityKeys::varchar[], @Attempts::int[], @Workers::varchar[],
                        @Results::text[], @Errors::text[], @Nows::timestamptz[], @StartedAts::timestamptz[], @CompletedAts::timestamptz[], @ExpiresAts::timestamptz[])
                 AS u (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, now_at, started_at, completed_at, expires_at)
            {UpsertState[UpsertState.IndexOf("ON CONFLICT", StringComparison.Ordinal)..]}
            """;
        Revoke = $"""
            INSERT INTO {s}.task_state AS t (task_id, state, attempts, error, created_at, completed_at, updated_at, expires_at)
            VALUES (@TaskId, 12, 0, @Error, @Now, @Now, @Now, @ExpiresAt)
            ON CONFLICT (task_id) DO UPDATE SET state = 12, error = EXCLUDED.error, completed_at = EXCLUDED.completed_at,
                updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at
            WHERE t.state < 10
            """;
        RevokeEntity = $"""
            UPDATE {s}.task_state SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            WHERE entity_key = @EntityKey AND state < 10
            RETURNING task_id
            """;
        SelectRevokedAmong = $"SELECT task_id FROM {s}.task_state WHERE task_id = ANY(@Ids) AND state = 12";
        // Batches on ix_task_state_expires_at; ctid avoids a second lookup through the primary key.
        DeleteExpiredStates = $"DELETE FROM {s}.task_state WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.task_state WHERE expires_at < @Now LIMIT @BatchSize))";
        DeleteExpiredLeases = $"DELETE FROM {s}.entity_lease WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.entity_lease WHERE expires_at < @Now LIMIT @BatchSize))";

        LockEntityResource = "SELECT pg_advisory_xact_lock(hashtextextended(@Resource, 0))";
        SelectLease = $"SELECT holder AS Holder, expires_at AS ExpiresAt FROM {s}.entity_lease WHERE entity_key = @EntityKey";
        SelectUnfinishedOfEntity = $"SELECT task_id FROM {s}.task_state WHERE entity_key = @EntityKey AND state < 10 AND expires_at > @Now ORDER BY task_id LIMIT 10";
        ReplaceLease = $"""
            INSERT INTO {s}.entity_lease (entity_key, holder, acquired_at, expires_at) VALUES (@EntityKey, @Holder, @Now, @ExpiresAt)
            ON CONFLICT (entity_key) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
            """;
        DeleteLease = $"DELETE FROM {s}.entity_lease WHERE entity_key = @EntityKey AND holder = @Holder";

        InsertOutboxTransaction = $"INSERT INTO {s}.outbox_transaction (created_at, next_attempt_at) VALUES (@Now, @Now) RETURNING id";
        InsertOutboxMessage = $"""
            INSERT INTO {s}.outbox_message (transaction_id, seq, task_id, task_name, queue, headers, body, eta, priority)
            VALUES (@TransactionId, @Seq, @TaskId, @TaskName, @Queue, @Headers, @Body, @Eta, @Priority)
            """;
        ClaimOutbox = $"SELECT id AS Id, attempts AS Attempts FROM {s}.outbox_transaction WHERE next_attempt_at <= @Now ORDER BY id LIMIT @BatchSize FOR UPDATE SKIP LOCKED";
        SelectOutboxMessages = $"""
            SELECT transaction_id AS TransactionId, seq AS Seq, task_id AS TaskId, task_name AS TaskName, queue AS Queue, headers AS Headers,
                   body AS Body, eta AS Eta, priority AS Priority
            FROM {s}.outbox_message WHERE transaction_id = ANY(@Ids) ORDER BY transaction_id, seq
            """;
        DeleteOutboxTransactions = $"DELETE FROM {s}.outbox_transaction WHERE id = ANY(@Ids)";
        FailOutboxTransaction = $"UPDATE {s}.outbox_transaction SET attempts = attempts + 1, last_error = @Error, next_attempt_at = @NextAttemptAt WHERE id = @Id";
        SelectOutboxStatus = $"""
            SELECT COUNT(*) AS Pending, COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS Failing, MIN(created_at) AS Oldest
            FROM {s}.outbox_transaction
            """;
        SelectOutboxFailures = $"""
            SELECT id AS Id, created_at AS CreatedAt, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError
            FROM {s}.outbox_transaction WHERE attempts > 0 ORDER BY id LIMIT 20
            """;
    }

    public override string Name => "PostgreSQL";

    public override int MaxRowsPerUpsert => 1000;

    private string UpsertStatesSql { get; }

    /// <summary>
    /// Arrays unnested into rows: one statement for the whole batch. The upsert's text is the same for any number of rows (the rows travel as 13 arrays), so it is prepared once per
    /// physical connection: Npgsql keeps prepared statements across pooled opens, and PostgreSQL then skips parse,
    /// analysis and planning on every batch (a third of its CPU per task in the benchmark, docs/state.md).
    /// </summary>
    public override bool PreparesUpsertStates => true;

    public override void BindUpsertStates(DbCommand command, IReadOnlyList<StateWrite> rows)
    {
        var columns = new UpsertColumns(rows);
        command.CommandText = UpsertStatesSql;
        Add(command, "TaskIds", columns.TaskIds);
        Add(command, "TaskNames", columns.TaskNames);
        Add(command, "Queues", columns.Queues);
        Add(command, "States", columns.States);
        Add(command, "EntityKeys", columns.EntityKeys);
        Add(command, "Attempts", columns.Attempts);
        Add(command, "Workers", columns.Workers);
        Add(command, "Results", columns.Results);
        Add(command, "Errors", columns.Errors);
        Add(command, "Nows", columns.Nows);
        Add(command, "StartedAts", columns.StartedAts);
        Add(command, "CompletedAts", columns.CompletedAts);
        Add(command, "ExpiresAts", columns.ExpiresAts);

        static void Add(DbCommand command, string name, Array value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>The rows of a batch as one array per column.</summary>
    private sealed class UpsertColumns
    {
        public UpsertColumns(IReadOnlyList<StateWrite> rows)
        {
            var n = rows.Count;
            TaskIds = new string[n];
            TaskNames = new string?[n];
            Queues = new string?[n];
            States = new int[n];
            EntityKeys = new string?[n];
            Attempts = new int[n];
            Workers = new string?[n];
            Results = new string?[n];
            Errors = new string?[n];
            Nows = new DateTimeOffset[n];
            StartedAts = new DateTimeOffset?[n];
            CompletedAts = new DateTimeOffset?[n];
            ExpiresAts = new DateTimeOffset[n];
            for (var i = 0; i < n; i++)
            {
                var row = rows[i];
                TaskIds[i] = row.TaskId;
                TaskNames[i] = row.TaskName;
                Queues[i] = row.Queue;
                States[i] = row.State;
                EntityKeys[i] = row.EntityKey;
                Attempts[i] = row.Attempts;
                Workers[i] = row.Worker;
                Results[i] = row.Result;
                Errors[i] = row.Error;
                Nows[i] = row.Now;
                StartedAts[i] = row.StartedAt;
                CompletedAts[i] = row.CompletedAt;
                ExpiresAts[i] = row.ExpiresAt;
            }
        }

        public string[] TaskIds { get; }

        public string?[] TaskNames { get; }

        public string?[] Queues { get; }

        public int[] States { get; }

        public string?[] EntityKeys { get; }

        public int[] Attempts { get; }

        public string?[] Workers { get; }

        public string?[] Results { get; }

        public string?[] Errors { get; }

        public DateTimeOffset[] Nows { get; }

        public DateTimeOffset?[] StartedAts { get; }

        public DateTimeOffset?[] CompletedAts { get; }

        public DateTimeOffset[] ExpiresAts { get; }
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

    protected override string StatementSeparator => ";";

    protected override string NowExpression => "now()";
}
