namespace TaskFlow.State.Internal;

/// <summary>
/// Migration 11: <c>task_state.arguments</c>, the redacted display text of a task's arguments that the task list searches
/// (<see cref="ArgumentsText"/>, <see cref="TaskQuery.ArgumentsContains"/>). A nullable column: adding it rewrites nothing
/// (records written before it have none). No index: a substring search cannot use a b-tree (docs/dashboard.md has the
/// figures). The view <c>task_state_named</c> is created again to include it.
/// </summary>
internal static class ArgumentsMigration
{
    public const int Version = 11;

    private const string Description = "task arguments as redacted display text: task_state.arguments, for the task list's search";

    public static Migration PostgreSql(string s) => new(Version, Description,
    [
        $"ALTER TABLE {s}.task_state ADD COLUMN arguments varchar({ArgumentsText.MaxLength}) NULL",
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
        $"ALTER TABLE {s}.[task_state] ADD arguments nvarchar({ArgumentsText.MaxLength}) NULL",
        $"DROP VIEW {s}.[task_state_named]",
        $"""
        CREATE VIEW {s}.[task_state_named] AS
        SELECT t.task_id, t.task_name, t.queue, t.state, t.entity_key, t.attempts, t.worker, t.result, t.error, t.created_at,
               t.started_at, t.completed_at, t.updated_at, t.expires_at, t.progress_done, t.progress_total, t.progress_message,
               t.progress_at, t.checkpoint_json, t.parent_id, t.root_id, t.arguments,
               CASE t.state WHEN 0 THEN N'pending' WHEN 1 THEN N'started' WHEN 2 THEN N'retrying' WHEN 10 THEN N'succeeded'
                   WHEN 11 THEN N'failed' WHEN 12 THEN N'revoked' WHEN 13 THEN N'expired' WHEN 14 THEN N'dead_lettered' END AS state_name
        FROM {s}.[task_state] t
        """,
    ]);
}
