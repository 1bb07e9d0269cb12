namespace TaskFlow.State.Internal;

/// <summary>
/// The keys of unique tasks (<c>unique_key</c>, schema version 9; <see cref="UniqueKeys"/>): one row per task name and
/// key, naming the task that holds it. A claim is an insert that does nothing on a conflict, then a read of the holder
/// with whether it still holds (its scope against its task's state, its period), then a compare-and-swap takeover of a
/// stale row: each step a statement of its own, so that a claim that waited for another transaction's insert reads it
/// (and its task's pending record) in a new snapshot.
/// </summary>
/// <param name="Migration">Schema version 9: the table and its cleanup index.</param>
/// <param name="Insert">Inserts a key (<c>@TaskName, @Key, @TaskId, @Queue, @Scope, @Now, @ExpiresAt</c>) unless a row holds it; 1 row or 0.</param>
/// <param name="SelectHolder">The row of a key: <c>TaskId</c>, <c>Queue</c>, and <c>Held</c>: whether it still holds at <c>@Now</c>.</param>
/// <param name="TakeOver">Gives a stale key to <c>@TaskId</c>, only while <c>@StaleTaskId</c> still has it; 1 row or 0.</param>
/// <param name="Release">Deletes a key, only while <c>@TaskId</c> holds it (a send that failed).</param>
/// <param name="DeleteExpired">Deletes one batch of keys whose period ended before <c>@Before</c> (<c>@BatchSize</c>).</param>
internal sealed record UniqueKeyStatements(Migration Migration, string Insert, string SelectHolder, string TakeOver, string Release, string DeleteExpired)
{
    /// <summary>The schema version that adds <c>unique_key</c>.</summary>
    public const int Version = 9;

    private const string Description = "unique tasks: unique_key";

    // Scopes (TaskFlow.UniqueScope): 0 while pending or running (held while the task's state is below 10, final),
    // 1 while pending (held while it is 0, pending), 2 for the period (held until expires_at). A task the store does not
    // know (its record expired, or it was never written) holds nothing.
    private const string HeldWhile = "t.state < CASE WHEN u.scope = 1 THEN 1 ELSE 10 END";

    /// <summary>The statements of PostgreSQL in schema <paramref name="s"/>.</summary>
    public static UniqueKeyStatements PostgreSql(string s) => new(
        new Migration(Version, Description,
        [
            $"""
            CREATE TABLE {s}.unique_key (
                task_name   varchar(255) NOT NULL,
                unique_key  varchar(255) NOT NULL,
                task_id     varchar(255) NOT NULL,
                queue       varchar(255) NOT NULL,
                scope       smallint     NOT NULL,
                created_at  timestamptz  NOT NULL,
                expires_at  timestamptz  NOT NULL,
                PRIMARY KEY (task_name, unique_key)
            )
            """,
            // cleanup: DeleteExpired
            $"CREATE INDEX ix_unique_key_expires_at ON {s}.unique_key (expires_at)",
        ]),
        // The primary key is the arbiter: a concurrent insert of the same key waits for the first one's transaction.
        Insert: $"""
            INSERT INTO {s}.unique_key (task_name, unique_key, task_id, queue, scope, created_at, expires_at)
            VALUES (@TaskName, @Key, @TaskId, @Queue, @Scope, @Now, @ExpiresAt)
            ON CONFLICT (task_name, unique_key) DO NOTHING
            """,
        // Primary key, then the holder's task_state row by its primary key.
        SelectHolder: $"""
            SELECT u.task_id AS TaskId, u.queue AS Queue,
                CASE WHEN u.expires_at <= @Now THEN false
                     WHEN u.scope = 2 THEN true
                     ELSE EXISTS (SELECT 1 FROM {s}.task_state t WHERE t.task_id = u.task_id AND {HeldWhile}) END AS Held
            FROM {s}.unique_key u WHERE u.task_name = @TaskName AND u.unique_key = @Key
            """,
        TakeOver: $"""
            UPDATE {s}.unique_key SET task_id = @TaskId, queue = @Queue, scope = @Scope, created_at = @Now, expires_at = @ExpiresAt
            WHERE task_name = @TaskName AND unique_key = @Key AND task_id = @StaleTaskId
            """,
        Release: $"DELETE FROM {s}.unique_key WHERE task_name = @TaskName AND unique_key = @Key AND task_id = @TaskId",
        DeleteExpired: $"DELETE FROM {s}.unique_key WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.unique_key WHERE expires_at < @Before LIMIT @BatchSize))");

    /// <summary>The statements of SQL Server in schema <paramref name="s"/> (bracketed).</summary>
    public static UniqueKeyStatements SqlServer(string s) => new(
        new Migration(Version, Description,
        [
            // Nonclustered: the two keys (1,020 bytes) exceed a clustered key's 900 bytes, not a nonclustered one's 1,700.
            $"""
            CREATE TABLE {s}.[unique_key] (
                task_name   nvarchar(255)     NOT NULL,
                unique_key  nvarchar(255)     NOT NULL,
                task_id     nvarchar(255)     NOT NULL,
                queue       nvarchar(255)     NOT NULL,
                scope       smallint          NOT NULL,
                created_at  datetimeoffset(7) NOT NULL,
                expires_at  datetimeoffset(7) NOT NULL,
                CONSTRAINT pk_unique_key PRIMARY KEY NONCLUSTERED (task_name, unique_key))
            """,
            $"CREATE INDEX ix_unique_key_expires_at ON {s}.[unique_key] (expires_at)",
        ]),
        // UPDLOCK, HOLDLOCK: the key's range stays locked from the check to the insert, so two inserts of one key serialize.
        Insert: $"""
            INSERT INTO {s}.[unique_key] (task_name, unique_key, task_id, queue, scope, created_at, expires_at)
            SELECT @TaskName, @Key, @TaskId, @Queue, @Scope, @Now, @ExpiresAt
            WHERE NOT EXISTS (SELECT 1 FROM {s}.[unique_key] WITH (UPDLOCK, HOLDLOCK) WHERE task_name = @TaskName AND unique_key = @Key)
            """,
        SelectHolder: $"""
            SELECT u.task_id AS TaskId, u.queue AS Queue,
                CAST(CASE WHEN u.expires_at <= @Now THEN 0
                          WHEN u.scope = 2 THEN 1
                          WHEN EXISTS (SELECT 1 FROM {s}.[task_state] t WHERE t.task_id = u.task_id AND {HeldWhile}) THEN 1
                          ELSE 0 END AS bit) AS Held
            FROM {s}.[unique_key] u WHERE u.task_name = @TaskName AND u.unique_key = @Key
            """,
        TakeOver: $"""
            UPDATE {s}.[unique_key] SET task_id = @TaskId, queue = @Queue, scope = @Scope, created_at = @Now, expires_at = @ExpiresAt
            WHERE task_name = @TaskName AND unique_key = @Key AND task_id = @StaleTaskId
            """,
        Release: $"DELETE FROM {s}.[unique_key] WHERE task_name = @TaskName AND unique_key = @Key AND task_id = @TaskId",
        DeleteExpired: $"DELETE TOP (@BatchSize) FROM {s}.[unique_key] WITH (ROWLOCK, READPAST) WHERE expires_at < @Before");
}
