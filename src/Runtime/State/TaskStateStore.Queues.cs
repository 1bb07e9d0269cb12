using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using TaskFlow.State.Internal;

namespace TaskFlow.State;

/// <summary>Operators' actions on queues and records: pausing and resuming consuming (schema version 8), deleting task records.</summary>
public sealed partial class TaskStateStore
{
    /// <summary>How many ids one delete statement takes (SQL Server's 2,100-parameter limit).</summary>
    private const int DeleteBatch = 1000;

    internal QueuePauseStatements Pauses => Database.Dialect.QueuePauses;

    /// <summary>
    /// Pauses consuming <paramref name="queue"/>: every worker that uses this state store stops consuming it within
    /// about a second (its running tasks finish and are acked; the messages stay in the queue) until
    /// <see cref="ResumeQueueAsync"/>. Durable: kept across restarts, honoured by workers that start later. Workers
    /// without this store (or with another) do not see it. Returns <c>false</c> when the queue was paused already (its
    /// first pause is kept).
    /// </summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="pausedBy">Who pauses it, for operators (up to 255 characters).</param>
    /// <param name="reason">Why, if given.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task<bool> PauseQueueAsync(string queue, string pausedBy, string? reason = null, CancellationToken cancellationToken = default)
    {
        CheckQueue(queue);
        ArgumentException.ThrowIfNullOrWhiteSpace(pausedBy);
        if (pausedBy.Length > 255)
        {
            pausedBy = pausedBy[..255];
        }

        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(Pauses.Pause, new
            {
                Queue = queue,
                PausedAt = Database.Now,
                PausedBy = pausedBy,
                Reason = string.IsNullOrWhiteSpace(reason) ? null : reason,
            }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>Resumes consuming <paramref name="queue"/> (workers consume it again within about a second); <c>false</c> when it was not paused.</summary>
    public async Task<bool> ResumeQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        CheckQueue(queue);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(Pauses.Resume, new { Queue = queue }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>The paused queues, by name, with who paused each, when and why.</summary>
    public async Task<IReadOnlyList<QueuePause>> GetPausedQueuesAsync(CancellationToken cancellationToken = default)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<PauseRow>(new CommandDefinition(Pauses.SelectAll, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows.Select(r => new QueuePause(r.Queue, DbValues.ToTime(r.PausedAt)!.Value, r.PausedBy, r.Reason)).ToList();
        }
    }

    /// <summary>
    /// Deletes the records of the final tasks among <paramref name="taskIds"/> (succeeded, failed, revoked, expired,
    /// dead-lettered). Records of unfinished tasks (pending, started, retrying) are never deleted: their task may still
    /// be queued or running, and deleting its record would lose its entity check and revoke; they are counted in
    /// <see cref="TaskDeleteResult.SkippedUnfinished"/>. Nothing is removed from the broker (a dead letter stays in its
    /// dead-letter queue). Throws <see cref="ArgumentException"/> for an empty or over-long id, before deleting anything.
    /// </summary>
    public async Task<TaskDeleteResult> DeleteTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        foreach (var id in taskIds)
        {
            if (string.IsNullOrEmpty(id) || id.Length > 255)
            {
                throw new ArgumentException($"TaskFlow: every task id to delete must be 1 to 255 characters long; got {(id is null ? "null" : $"'{(id.Length > 40 ? id[..40] + "..." : id)}' ({id.Length} characters)")}. Nothing was deleted.", nameof(taskIds));
            }
        }

        var ids = taskIds.Distinct(StringComparer.Ordinal).ToList();
        int deleted = 0, kept = 0;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var batch in ids.Chunk(DeleteBatch))
            {
                deleted += await connection.ExecuteAsync(new CommandDefinition(Pauses.DeleteFinal, new { Ids = batch }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                // What is left of the batch is unfinished (or became a record just now).
                kept += Convert.ToInt32(await connection.ExecuteScalarAsync<object>(new CommandDefinition(Pauses.CountIds, new { Ids = batch }, cancellationToken: cancellationToken)).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }
        }

        return new TaskDeleteResult(deleted, kept, ids.Count - deleted - kept);
    }

    /// <summary>The queues each worker reported paused at its last heartbeat, by worker name.</summary>
    internal async Task<Dictionary<string, string[]>> GetWorkersPausedAsync(CancellationToken cancellationToken)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<WorkerPausedRow>(new CommandDefinition(Pauses.SelectWorkersPaused, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows.ToDictionary(r => r.Name, r => r.PausedQueues?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [], StringComparer.Ordinal);
        }
    }

    /// <summary>Records the worker's paused queues with its heartbeat (<c>null</c>: none).</summary>
    internal async Task BeatPausedAsync(string worker, IReadOnlyList<string> paused, CancellationToken cancellationToken)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(Pauses.BeatPaused, new { Name = worker, PausedQueues = paused.Count == 0 ? null : string.Join(',', paused) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The paused queues' names: what every worker polls.</summary>
    internal async Task<IReadOnlyCollection<string>> GetPausedQueueNamesAsync(CancellationToken cancellationToken)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (await connection.QueryAsync<string>(new CommandDefinition(Pauses.SelectNames, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        }
    }

    private static void CheckQueue(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        if (queue.Length > 255)
        {
            throw new ArgumentException($"TaskFlow: a queue name is at most 255 characters long; got {queue.Length}.", nameof(queue));
        }
    }

    private sealed class PauseRow
    {
        public string Queue { get; set; } = "";

        public object? PausedAt { get; set; }

        public string PausedBy { get; set; } = "";

        public string? Reason { get; set; }
    }

    private sealed class WorkerPausedRow
    {
        public string Name { get; set; } = "";

        public string? PausedQueues { get; set; }
    }
}
