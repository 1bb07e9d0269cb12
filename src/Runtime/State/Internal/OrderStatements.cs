namespace TaskFlow.State.Internal;

/// <summary>
/// Ordered processing per key (schema version 12; <see cref="OrderRecords"/>), per dialect: <c>order_seq</c> holds the last
/// sequence number given to each key, <c>task_order</c> one row per ordered task (its key, its number, when it became due
/// and when a worker last saw its message). A send takes the next number and writes its row in the transaction of its
/// pending record; the gate reads the earliest unfinished predecessor of a task in one statement.
/// </summary>
/// <param name="Migration">Schema version 12: the two tables and their indexes.</param>
/// <param name="Record">
/// Takes the next number of <c>@Key</c> (an upsert of its <c>order_seq</c> row: concurrent senders of a key serialize on the
/// row lock until they commit, so numbers follow commit order) and inserts the task's row (<c>@TaskId</c>, <c>@DueAt</c>)
/// unless the task has one already (a second send of the same task id keeps its first place). One round trip.
/// </param>
/// <param name="Check">
/// Stamps the task's row seen at <c>@Now</c> and returns its number (<c>Seq</c>; no row when the task has none), the earliest
/// predecessor that holds it back (<c>BlockerId</c>, <c>BlockerSeq</c>, <c>BlockerState</c>: not final, and not a gap: a
/// pending task last seen, or due, before <c>@GapBefore</c>), the earliest gap before that blocker (<c>GapId</c>,
/// <c>GapSince</c>) and how many there are (<c>Gaps</c>), and whether any predecessor row is left (<c>Below</c>). A
/// predecessor without a state record counts as finished (its record expired).
/// </param>
/// <param name="ForgetBelow">Deletes the rows of <c>@Key</c> numbered below <c>@Seq</c> (a task passed the gate: they are all final or skipped).</param>
/// <param name="DeleteFinished">
/// Cleanup: one batch (<c>@BatchSize</c>) of rows due before <c>@Before</c> whose task is final or has no record.
/// </param>
/// <param name="DeleteIdle">
/// Cleanup: one batch of <c>order_seq</c> rows not used since <c>@Before</c> whose key has no <c>task_order</c> row left (a
/// counter is never reset while rows of its key exist; a send that uses the key meanwhile moves <c>last_at</c> and keeps it).
/// </param>
internal sealed record OrderStatements(Migration Migration, string Record, string Check, string ForgetBelow, string DeleteFinished, string DeleteIdle)
{
    /// <summary>The schema version that adds ordered processing.</summary>
    public const int Version = 12;

    private const string Description = "ordered processing per key: order_seq, task_order";

    /// <summary>The statements of PostgreSQL in schema <paramref name="s"/>.</summary>
    public static OrderStatements PostgreSql(string s) => new(
        new Migration(Version, Description,
        [
            $"""
            CREATE TABLE {s}.order_seq (
                order_key  varchar(255) NOT NULL PRIMARY KEY,
                next_seq   bigint       NOT NULL,
                last_at    timestamptz  NOT NULL
            )
            """,
            $"""
            CREATE TABLE {s}.task_order (
                order_key  varchar(255) NOT NULL,
                seq        bigint       NOT NULL,
                task_id    varchar(255) NOT NULL,
                due_at     timestamptz  NOT NULL,
                seen_at    timestamptz  NULL,
                PRIMARY KEY (order_key, seq)
            )
            """,
            // the gate's "this task's row" (Check); one place per task
            $"CREATE UNIQUE INDEX ux_task_order_task_id ON {s}.task_order (task_id)",
            // cleanup: DeleteFinished, DeleteIdle
            $"CREATE INDEX ix_task_order_due_at ON {s}.task_order (due_at)",
            $"CREATE INDEX ix_order_seq_last_at ON {s}.order_seq (last_at)",
        ]),
        Record: $"""
            WITH n AS (
                INSERT INTO {s}.order_seq AS o (order_key, next_seq, last_at) VALUES (@Key, 1, @Now)
                ON CONFLICT (order_key) DO UPDATE SET next_seq = o.next_seq + 1, last_at = @Now
                RETURNING next_seq)
            INSERT INTO {s}.task_order (order_key, seq, task_id, due_at)
            SELECT @Key, n.next_seq, @TaskId, @DueAt FROM n
            ON CONFLICT DO NOTHING
            """,
        // Primary key (order_key, seq) from the lowest number: the first unfinished row is usually the first one read
        // (the rows below a task that passed are deleted), so the cost does not grow with the key's backlog.
        Check: $"""
            WITH me AS (UPDATE {s}.task_order SET seen_at = @Now WHERE task_id = @TaskId RETURNING order_key, seq)
            SELECT me.seq AS Seq, b.task_id AS BlockerId, b.seq AS BlockerSeq, b.state AS BlockerState,
                g.task_id AS GapId, g.since AS GapSince, COALESCE(g.gaps, 0) AS Gaps,
                EXISTS (SELECT 1 FROM {s}.task_order x WHERE x.order_key = me.order_key AND x.seq < me.seq) AS Below
            FROM me
            LEFT JOIN LATERAL (
                SELECT o.task_id, o.seq, t.state FROM {s}.task_order o JOIN {s}.task_state t ON t.task_id = o.task_id
                WHERE o.order_key = me.order_key AND o.seq < me.seq AND t.state < 10
                    AND NOT (t.state = 0 AND COALESCE(o.seen_at, o.due_at) < @GapBefore)
                ORDER BY o.seq LIMIT 1) b ON true
            LEFT JOIN LATERAL (
                SELECT o.task_id, COALESCE(o.seen_at, o.due_at) AS since, COUNT(*) OVER () AS gaps
                FROM {s}.task_order o JOIN {s}.task_state t ON t.task_id = o.task_id
                WHERE o.order_key = me.order_key AND o.seq < COALESCE(b.seq, me.seq) AND t.state = 0
                    AND COALESCE(o.seen_at, o.due_at) < @GapBefore
                ORDER BY o.seq LIMIT 1) g ON true
            """,
        ForgetBelow: $"DELETE FROM {s}.task_order WHERE order_key = @Key AND seq < @Seq",
        DeleteFinished: $"""
            DELETE FROM {s}.task_order WHERE ctid = ANY(ARRAY(
                SELECT o.ctid FROM {s}.task_order o
                WHERE o.due_at < @Before AND NOT EXISTS (SELECT 1 FROM {s}.task_state t WHERE t.task_id = o.task_id AND t.state < 10)
                LIMIT @BatchSize))
            """,
        // ctid: a row a sender updated meanwhile is a new row version, which the delete does not match.
        DeleteIdle: $"""
            DELETE FROM {s}.order_seq WHERE ctid = ANY(ARRAY(
                SELECT q.ctid FROM {s}.order_seq q
                WHERE q.last_at < @Before AND NOT EXISTS (SELECT 1 FROM {s}.task_order o WHERE o.order_key = q.order_key)
                LIMIT @BatchSize))
            """);

    /// <summary>The statements of SQL Server in schema <paramref name="s"/> (bracketed).</summary>
    public static OrderStatements SqlServer(string s) => new(
        new Migration(Version, Description,
        [
            $"""
            CREATE TABLE {s}.[order_seq] (
                order_key  nvarchar(255)     NOT NULL CONSTRAINT pk_order_seq PRIMARY KEY,
                next_seq   bigint            NOT NULL,
                last_at    datetimeoffset(7) NOT NULL)
            """,
            $"""
            CREATE TABLE {s}.[task_order] (
                order_key  nvarchar(255)     NOT NULL,
                seq        bigint            NOT NULL,
                task_id    nvarchar(255)     NOT NULL,
                due_at     datetimeoffset(7) NOT NULL,
                seen_at    datetimeoffset(7) NULL,
                CONSTRAINT pk_task_order PRIMARY KEY (order_key, seq))
            """,
            $"CREATE UNIQUE INDEX ux_task_order_task_id ON {s}.[task_order] (task_id)",
            $"CREATE INDEX ix_task_order_due_at ON {s}.[task_order] (due_at)",
            $"CREATE INDEX ix_order_seq_last_at ON {s}.[order_seq] (last_at)",
        ]),
        // HOLDLOCK: without it two MERGEs of a new key race into a primary-key violation; the row stays locked to the commit.
        Record: $"""
            DECLARE @n TABLE (next_seq bigint);
            MERGE {s}.[order_seq] WITH (HOLDLOCK) AS o
            USING (SELECT @Key AS order_key) AS src ON o.order_key = src.order_key
            WHEN MATCHED THEN UPDATE SET next_seq = o.next_seq + 1, last_at = @Now
            WHEN NOT MATCHED THEN INSERT (order_key, next_seq, last_at) VALUES (@Key, 1, @Now)
            OUTPUT INSERTED.next_seq INTO @n;
            INSERT INTO {s}.[task_order] (order_key, seq, task_id, due_at)
            SELECT @Key, n.next_seq, @TaskId, @DueAt FROM @n n
            WHERE NOT EXISTS (SELECT 1 FROM {s}.[task_order] WITH (UPDLOCK, HOLDLOCK) WHERE task_id = @TaskId);
            """,
        Check: $"""
            DECLARE @me TABLE (order_key nvarchar(255), seq bigint);
            UPDATE {s}.[task_order] SET seen_at = @Now OUTPUT INSERTED.order_key, INSERTED.seq INTO @me WHERE task_id = @TaskId;
            SELECT me.seq AS Seq, b.task_id AS BlockerId, b.seq AS BlockerSeq, b.state AS BlockerState,
                g.task_id AS GapId, g.since AS GapSince, COALESCE(g.gaps, 0) AS Gaps,
                CAST(CASE WHEN EXISTS (SELECT 1 FROM {s}.[task_order] x WHERE x.order_key = me.order_key AND x.seq < me.seq) THEN 1 ELSE 0 END AS bit) AS Below
            FROM @me me
            OUTER APPLY (
                SELECT TOP (1) o.task_id, o.seq, t.state FROM {s}.[task_order] o JOIN {s}.[task_state] t ON t.task_id = o.task_id
                WHERE o.order_key = me.order_key AND o.seq < me.seq AND t.state < 10
                    AND NOT (t.state = 0 AND COALESCE(o.seen_at, o.due_at) < @GapBefore)
                ORDER BY o.seq) b
            OUTER APPLY (
                SELECT TOP (1) o.task_id, COALESCE(o.seen_at, o.due_at) AS since, COUNT(*) OVER () AS gaps
                FROM {s}.[task_order] o JOIN {s}.[task_state] t ON t.task_id = o.task_id
                WHERE o.order_key = me.order_key AND o.seq < COALESCE(b.seq, me.seq) AND t.state = 0
                    AND COALESCE(o.seen_at, o.due_at) < @GapBefore
                ORDER BY o.seq) g;
            """,
        ForgetBelow: $"DELETE FROM {s}.[task_order] WHERE order_key = @Key AND seq < @Seq",
        DeleteFinished: $"""
            DELETE TOP (@BatchSize) FROM {s}.[task_order] WITH (ROWLOCK, READPAST)
            WHERE due_at < @Before AND NOT EXISTS (SELECT 1 FROM {s}.[task_state] t WHERE t.task_id = [task_order].task_id AND t.state < 10)
            """,
        // The recheck of last_at under the row's update lock keeps a counter a sender used meanwhile.
        DeleteIdle: $"""
            DELETE TOP (@BatchSize) FROM {s}.[order_seq] WITH (ROWLOCK, READPAST)
            WHERE last_at < @Before AND NOT EXISTS (SELECT 1 FROM {s}.[task_order] o WITH (UPDLOCK, HOLDLOCK) WHERE o.order_key = [order_seq].order_key)
            """);
}
