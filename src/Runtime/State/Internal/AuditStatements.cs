namespace TaskFlow.State.Internal;

/// <summary>
/// The operators' audit log (<c>audit_log</c>, schema version 7) and the overview's time series, per dialect: what the
/// dashboard records for every action (who, what, when) and reads back.
/// </summary>
/// <param name="Migration">Schema version 7: the audit log table and its index.</param>
/// <param name="Insert">One entry (<c>@At, @UserName, @Action, @Target, @Detail, @Outcome</c>).</param>
/// <param name="SelectRecent">The newest entries first (<c>@Limit</c>).</param>
/// <param name="Timeline">Tasks created since <c>@Since</c> per bucket of <c>@BucketSeconds</c> and state: bucket number since the epoch, state, count.</param>
internal sealed record AuditStatements(Migration Migration, string Insert, string SelectRecent, string Timeline)
{
    private const string Description = "operators' audit log";

    /// <summary>The statements of PostgreSQL in schema <paramref name="s"/>.</summary>
    public static AuditStatements PostgreSql(string s) => new(
        new Migration(7, Description,
        [
            $"""
            CREATE TABLE {s}.audit_log (
                id         bigserial    NOT NULL PRIMARY KEY,
                at         timestamptz  NOT NULL,
                user_name  varchar(255) NOT NULL,
                action     varchar(64)  NOT NULL,
                target     text         NOT NULL,
                detail     text         NULL,
                outcome    text         NULL
            )
            """,
            // the audit page: newest first
            $"CREATE INDEX ix_audit_log_at ON {s}.audit_log (at)",
        ]),
        Insert: $"INSERT INTO {s}.audit_log (at, user_name, action, target, detail, outcome) VALUES (@At, @UserName, @Action, @Target, @Detail, @Outcome)",
        SelectRecent: $"SELECT id AS Id, at AS At, user_name AS UserName, action AS Action, target AS Target, detail AS Detail, outcome AS Outcome FROM {s}.audit_log ORDER BY at DESC, id DESC LIMIT @Limit",
        // ix_task_state_created_at (created_at, task_id) serves the range
        Timeline: $"""
            SELECT floor(extract(epoch FROM created_at) / @BucketSeconds)::bigint AS Bucket, state AS State, count(*) AS Count
            FROM {s}.task_state WHERE created_at >= @Since GROUP BY 1, 2
            """);

    /// <summary>The statements of SQL Server in schema <paramref name="s"/>.</summary>
    public static AuditStatements SqlServer(string s) => new(
        new Migration(7, Description,
        [
            $"""
            CREATE TABLE {s}.[audit_log] (
                id         bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_audit_log PRIMARY KEY,
                at         datetimeoffset(7) NOT NULL,
                user_name  nvarchar(255)     NOT NULL,
                action     nvarchar(64)      NOT NULL,
                target     nvarchar(max)     NOT NULL,
                detail     nvarchar(max)     NULL,
                outcome    nvarchar(max)     NULL)
            """,
            $"CREATE INDEX ix_audit_log_at ON {s}.[audit_log] (at)",
        ]),
        Insert: $"INSERT INTO {s}.[audit_log] (at, user_name, action, target, detail, outcome) VALUES (@At, @UserName, @Action, @Target, @Detail, @Outcome)",
        SelectRecent: $"SELECT TOP (@Limit) id AS Id, at AS At, user_name AS UserName, action AS Action, target AS Target, detail AS Detail, outcome AS Outcome FROM {s}.[audit_log] ORDER BY at DESC, id DESC",
        Timeline: $"""
            SELECT CAST(DATEDIFF_BIG(second, '1970-01-01T00:00:00+00:00', created_at) / @BucketSeconds AS bigint) AS Bucket, state AS State, COUNT_BIG(*) AS Count
            FROM {s}.[task_state] WHERE created_at >= @Since
            GROUP BY CAST(DATEDIFF_BIG(second, '1970-01-01T00:00:00+00:00', created_at) / @BucketSeconds AS bigint), state
            """);
}
