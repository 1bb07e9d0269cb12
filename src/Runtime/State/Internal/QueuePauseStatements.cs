namespace TaskFlow.State.Internal;

/// <summary>
/// Paused queues (<c>queue_pause</c>, schema version 8) and deleting task records, per dialect: what operators do
/// through the dashboard and the CLI (<see cref="TaskStateStore.PauseQueueAsync"/>, <see cref="TaskStateStore.DeleteTasksAsync"/>)
/// and what every worker polls (<see cref="StorePausedQueues"/>).
/// </summary>
/// <param name="Migration">Schema version 8: <c>queue_pause</c>, and the worker heartbeat's <c>paused_queues</c>.</param>
/// <param name="Pause">Pauses a queue (<c>@Queue, @PausedAt, @PausedBy, @Reason</c>); an already paused queue keeps its row (0 rows).</param>
/// <param name="Resume">Resumes a queue (<c>@Queue</c>): deletes its row.</param>
/// <param name="SelectAll">Every paused queue with who paused it, when and why, by name.</param>
/// <param name="SelectNames">The paused queues' names: the workers' poll, about once a second each (a tiny table, read whole).</param>
/// <param name="BeatPaused">The worker's paused queues with its heartbeat (<c>@Name, @PausedQueues</c>).</param>
/// <param name="SelectWorkersPaused">Each worker's paused queues (<c>name, paused_queues</c>).</param>
/// <param name="DeleteFinal">Deletes the records of final tasks among <c>@Ids</c> (at most 1,000; PostgreSQL binds one array, SQL Server a list); unfinished ones stay.</param>
/// <param name="CountIds">How many of <c>@Ids</c> have a record.</param>
internal sealed record QueuePauseStatements(
    Migration Migration,
    string Pause,
    string Resume,
    string SelectAll,
    string SelectNames,
    string BeatPaused,
    string SelectWorkersPaused,
    string DeleteFinal,
    string CountIds)
{
    private const string Description = "paused queues: queue_pause, worker.paused_queues";

    /// <summary>The statements of PostgreSQL in schema <paramref name="s"/>.</summary>
    public static QueuePauseStatements PostgreSql(string s) => new(
        new Migration(8, Description,
        [
            $"""
            CREATE TABLE {s}.queue_pause (
                queue      varchar(255) NOT NULL PRIMARY KEY,
                paused_at  timestamptz  NOT NULL,
                paused_by  varchar(255) NOT NULL,
                reason     text         NULL
            )
            """,
            $"ALTER TABLE {s}.worker ADD COLUMN paused_queues text NULL",
        ]),
        Pause: $"INSERT INTO {s}.queue_pause (queue, paused_at, paused_by, reason) VALUES (@Queue, @PausedAt, @PausedBy, @Reason) ON CONFLICT (queue) DO NOTHING",
        Resume: $"DELETE FROM {s}.queue_pause WHERE queue = @Queue",
        SelectAll: $"SELECT queue AS Queue, paused_at AS PausedAt, paused_by AS PausedBy, reason AS Reason FROM {s}.queue_pause ORDER BY queue",
        SelectNames: $"SELECT queue FROM {s}.queue_pause",
        BeatPaused: $"UPDATE {s}.worker SET paused_queues = @PausedQueues WHERE name = @Name",
        SelectWorkersPaused: $"SELECT name AS Name, paused_queues AS PausedQueues FROM {s}.worker WHERE paused_queues IS NOT NULL",
        // final states are 10 and above (KnownState); the primary key finds each id
        DeleteFinal: $"DELETE FROM {s}.task_state WHERE task_id = ANY(@Ids) AND state >= 10",
        CountIds: $"SELECT COUNT(*) FROM {s}.task_state WHERE task_id = ANY(@Ids)");

    /// <summary>The statements of SQL Server in schema <paramref name="s"/>.</summary>
    public static QueuePauseStatements SqlServer(string s) => new(
        new Migration(8, Description,
        [
            $"""
            CREATE TABLE {s}.[queue_pause] (
                queue      nvarchar(255)     NOT NULL CONSTRAINT pk_queue_pause PRIMARY KEY,
                paused_at  datetimeoffset(7) NOT NULL,
                paused_by  nvarchar(255)     NOT NULL,
                reason     nvarchar(max)     NULL)
            """,
            $"ALTER TABLE {s}.[worker] ADD paused_queues nvarchar(max) NULL",
        ]),
        Pause: $"""
            INSERT INTO {s}.[queue_pause] (queue, paused_at, paused_by, reason)
            SELECT @Queue, @PausedAt, @PausedBy, @Reason
            WHERE NOT EXISTS (SELECT 1 FROM {s}.[queue_pause] WITH (UPDLOCK, HOLDLOCK) WHERE queue = @Queue)
            """,
        Resume: $"DELETE FROM {s}.[queue_pause] WHERE queue = @Queue",
        SelectAll: $"SELECT queue AS Queue, paused_at AS PausedAt, paused_by AS PausedBy, reason AS Reason FROM {s}.[queue_pause] ORDER BY queue",
        SelectNames: $"SELECT queue FROM {s}.[queue_pause]",
        BeatPaused: $"UPDATE {s}.[worker] SET paused_queues = @PausedQueues WHERE name = @Name",
        SelectWorkersPaused: $"SELECT name AS Name, paused_queues AS PausedQueues FROM {s}.[worker] WHERE paused_queues IS NOT NULL",
        DeleteFinal: $"DELETE FROM {s}.[task_state] WHERE task_id IN @Ids AND state >= 10",
        CountIds: $"SELECT COUNT_BIG(*) FROM {s}.[task_state] WHERE task_id IN @Ids");
}
