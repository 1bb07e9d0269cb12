namespace TaskFlow.State.Internal;

/// <summary>
/// Rate limits (<c>rate_limit</c>, schema version 10), per dialect: one row per key holding two GCRA "theoretical arrival
/// times" in ticks (100 ns) since the Unix epoch, the arrival schedule (<c>tat</c>) and the starts (<c>start_tat</c>), each
/// moved forward by one atomic upsert per reservation
/// (<see cref="RateLimitRecords"/>, <see cref="Core.Gcra"/>).
/// </summary>
/// <param name="Migration">Schema version 10: the table and its cleanup index.</param>
/// <param name="Reserve">
/// Sets the key's TAT to max(TAT, <c>@Now</c>) + <c>@Interval</c> (inserting the row at <c>@Now + @Interval</c>) and returns
/// the new TAT. One statement: concurrent reservations of a key serialize on its row.
/// </param>
/// <param name="TryStart">
/// On the key's start clock (<c>start_tat</c>): moves it to max(start_tat, now) + <c>@Interval</c> and returns it, only when
/// max(start_tat, now) - <c>@Tolerance</c> is at most now + <c>@MaxWait</c>; no row otherwise (nothing changed). Now is the
/// database's clock as the statement runs.
/// </param>
/// <param name="DeleteIdle">Deletes one batch (<c>@BatchSize</c>) of keys whose TAT is before <c>@Before</c> (idle keys; a missing row reads as idle).</param>
internal sealed record RateLimitStatements(Migration Migration, string Reserve, string TryStart, string DeleteIdle)
{
    private const string Description = "rate limits";

    /// <summary>The statements of PostgreSQL in schema <paramref name="s"/>.</summary>
    public static RateLimitStatements PostgreSql(string s) => new(
        new Migration(10, Description,
        [
            $"""
            CREATE TABLE {s}.rate_limit (
                rate_key  varchar(255) NOT NULL PRIMARY KEY,
                tat       bigint       NOT NULL,
                start_tat bigint       NOT NULL
            )
            """,
            // cleanup: DeleteIdle
            $"CREATE INDEX ix_rate_limit_tat ON {s}.rate_limit (tat)",
        ]),
        Reserve: $"""
            INSERT INTO {s}.rate_limit AS r (rate_key, tat, start_tat) VALUES (@Key, @Now + @Interval, 0)
            ON CONFLICT (rate_key) DO UPDATE SET tat = GREATEST(r.tat, @Now) + @Interval
            RETURNING tat
            """,
        // "Now" is the database's clock when the statement runs (EXCLUDED.start_tat - @Interval): one clock for every
        // worker, and no start slot computed from a time that went stale while the statement waited to run.
        TryStart: $"""
            INSERT INTO {s}.rate_limit AS r (rate_key, tat, start_tat)
            SELECT @Key, 0, (extract(epoch FROM clock_timestamp()) * 10000000)::bigint + @Interval
            ON CONFLICT (rate_key) DO UPDATE SET start_tat = GREATEST(r.start_tat, EXCLUDED.start_tat - @Interval) + @Interval
            WHERE GREATEST(r.start_tat, EXCLUDED.start_tat - @Interval) - @Tolerance <= EXCLUDED.start_tat - @Interval + @MaxWait
            RETURNING start_tat
            """,
        DeleteIdle: $"DELETE FROM {s}.rate_limit WHERE ctid = ANY(ARRAY(SELECT ctid FROM {s}.rate_limit WHERE tat < @Before AND start_tat < @Before LIMIT @BatchSize))");

    /// <summary>The statements of SQL Server in schema <paramref name="s"/>.</summary>
    public static RateLimitStatements SqlServer(string s) => new(
        new Migration(10, Description,
        [
            $"""
            CREATE TABLE {s}.[rate_limit] (
                rate_key  nvarchar(255) NOT NULL CONSTRAINT pk_rate_limit PRIMARY KEY,
                tat       bigint        NOT NULL,
                start_tat bigint        NOT NULL)
            """,
            $"CREATE INDEX ix_rate_limit_tat ON {s}.[rate_limit] (tat)",
        ]),
        // HOLDLOCK: without it two MERGEs of a new key race into a primary-key violation.
        Reserve: $"""
            MERGE {s}.[rate_limit] WITH (HOLDLOCK) AS r
            USING (SELECT @Key AS rate_key) AS src ON r.rate_key = src.rate_key
            WHEN MATCHED THEN UPDATE SET tat = CASE WHEN r.tat > @Now THEN r.tat ELSE @Now END + @Interval
            WHEN NOT MATCHED THEN INSERT (rate_key, tat, start_tat) VALUES (@Key, @Now + @Interval, 0)
            OUTPUT INSERTED.tat;
            """,
        TryStart: $"""
            DECLARE @dbnow bigint = DATEDIFF_BIG(microsecond, CAST('1970-01-01T00:00:00' AS datetime2(7)), SYSUTCDATETIME()) * 10;
            MERGE {s}.[rate_limit] WITH (HOLDLOCK) AS r
            USING (SELECT @Key AS rate_key) AS src ON r.rate_key = src.rate_key
            WHEN MATCHED AND (CASE WHEN r.start_tat > @dbnow THEN r.start_tat ELSE @dbnow END) - @Tolerance <= @dbnow + @MaxWait THEN
                UPDATE SET start_tat = CASE WHEN r.start_tat > @dbnow THEN r.start_tat ELSE @dbnow END + @Interval
            WHEN NOT MATCHED THEN INSERT (rate_key, tat, start_tat) VALUES (@Key, 0, @dbnow + @Interval)
            OUTPUT INSERTED.start_tat;
            """,
        DeleteIdle: $"DELETE TOP (@BatchSize) FROM {s}.[rate_limit] WITH (ROWLOCK, READPAST) WHERE tat < @Before AND start_tat < @Before");
}
