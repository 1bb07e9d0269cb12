namespace TaskFlow.State.Internal;

/// <summary>
/// Migration 13: the attempts that ended in an error (<c>task_attempt</c>, one row per failed attempt with its error and
/// stack, written with the state record that ends the attempt: <see cref="AttemptWrite"/>), and what the task detail
/// shows of any task's message (<c>task_state.trace_id</c>, <c>task_state.headers</c>: <see cref="HeadersText"/>),
/// stored with its first record and never overwritten. Nullable columns: adding them rewrites nothing. An attempt row
/// belongs to its task's record (<c>ON DELETE CASCADE</c>): cleanup and <see cref="TaskStateStore.DeleteTasksAsync"/>
/// delete it with the record. The view <c>task_state_named</c> is created again to include the new columns.
/// </summary>
internal static class AttemptsMigration
{
    public const int Version = 13;

    private const string Description = "attempts with their error and stack (task_attempt), trace id and headers of every task";

    public static Migration PostgreSql(string s) => new(Version, Description,
    [
        $"""
        CREATE TABLE {s}.task_attempt (
            task_id    varchar(255) NOT NULL REFERENCES {s}.task_state (task_id) ON DELETE CASCADE,
            attempt    integer      NOT NULL,
            state      smallint     NOT NULL,
            worker     varchar(255) NULL,
            started_at timestamptz  NULL,
            ended_at   timestamptz  NOT NULL,
            error      text         NULL,
            stack      text         NULL,
            PRIMARY KEY (task_id, attempt)
        )
        """,
        $"ALTER TABLE {s}.task_state ADD COLUMN trace_id varchar({HeadersText.TraceIdLength}) NULL, ADD COLUMN headers text NULL",
        $"DROP VIEW {s}.task_state_named",
        $"""
        CREATE VIEW {s}.task_state_named AS
        SELECT t.*, CASE t.state WHEN 0 THEN 'pending' WHEN 1 THEN 'started' WHEN 2 THEN 'retrying' WHEN 10 THEN 'succeeded'
            WHEN 11 THEN 'failed' WHEN 12 THEN 'revoked' WHEN 13 THEN 'expired' WHEN 14 THEN 'dead_lettered' END AS state_name
        FROM {s}.task_state t
        """,
    ]);

    /// <param name="s">The schema, quoted (<c>[name]</c>).</param>
    public static Migration SqlServer(string s) => new(Version, Description,
    [
        $"""
        CREATE TABLE {s}.[task_attempt] (
            task_id    nvarchar(255)  NOT NULL CONSTRAINT fk_task_attempt_task_state REFERENCES {s}.[task_state] (task_id) ON DELETE CASCADE,
            attempt    int            NOT NULL,
            state      smallint       NOT NULL,
            worker     nvarchar(255)  NULL,
            started_at datetimeoffset NULL,
            ended_at   datetimeoffset NOT NULL,
            error      nvarchar(max)  NULL,
            stack      nvarchar(max)  NULL,
            PRIMARY KEY (task_id, attempt)
        )
        """,
        $"ALTER TABLE {s}.[task_state] ADD trace_id nvarchar({HeadersText.TraceIdLength}) NULL, headers nvarchar({HeadersText.MaxLength}) NULL",
        $"DROP VIEW {s}.[task_state_named]",
        $"""
        CREATE VIEW {s}.[task_state_named] AS
        SELECT t.task_id, t.task_name, t.queue, t.state, t.entity_key, t.attempts, t.worker, t.result, t.error, t.created_at,
               t.started_at, t.completed_at, t.updated_at, t.expires_at, t.progress_done, t.progress_total, t.progress_message,
               t.progress_at, t.checkpoint_json, t.parent_id, t.root_id, t.arguments, t.trace_id, t.headers,
               CASE t.state WHEN 0 THEN N'pending' WHEN 1 THEN N'started' WHEN 2 THEN N'retrying' WHEN 10 THEN N'succeeded'
                   WHEN 11 THEN N'failed' WHEN 12 THEN N'revoked' WHEN 13 THEN N'expired' WHEN 14 THEN N'dead_lettered' END AS state_name
        FROM {s}.[task_state] t
        """,
    ]);
}
