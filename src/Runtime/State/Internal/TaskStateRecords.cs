using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>
/// Task states by task id: the idempotency reads (<see cref="StateReader"/>), the record behind the handles,
/// the batched writes (<see cref="StateWriter"/>) and the single write in a caller's transaction, revoke by id,
/// the revoke check of running tasks, and the cleanup of expired records.
/// </summary>
internal sealed class TaskStateRecords
{
    private readonly StateConnections _connections;
    private readonly TaskStateStatements _sql;
    private readonly AttemptStatements _attempts;
    private readonly string _deleteExpiredLeases;
    private readonly TaskStateOptions _options;
    private readonly TimeProvider _time;

    private readonly FinalStateNotifications? _notifications;

    public TaskStateRecords(StateConnections connections, SqlDialect dialect, TaskStateOptions options, TimeProvider time)
    {
        _notifications = dialect.Notifications;
        _connections = connections;
        _sql = dialect.States;
        _attempts = dialect.Attempts;
        _deleteExpiredLeases = dialect.Leases.DeleteExpired;
        _options = options;
        _time = time;
    }

    /// <summary>The store's connections (the batch loops hold one of their own: <see cref="HeldConnection"/>).</summary>
    public StateConnections Connections => _connections;

    /// <summary>The state of one task, or <c>null</c> (the hot path reads in batches: <see cref="ReadManyAsync(IReadOnlyList{string}, CancellationToken)"/>).</summary>
    public async ValueTask<TaskState?> ReadAsync(string taskId, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var value = await connection.ExecuteScalarAsync<object>(new CommandDefinition(_sql.Select, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return value is null or DBNull ? null : (TaskState)Convert.ToInt32(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The states and attempt counts of many tasks in one query (missing ids are absent from the result).</summary>
    public async Task<Dictionary<string, KnownState>> ReadManyAsync(IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadManyAsync(connection, taskIds, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="ReadManyAsync(IReadOnlyList{string}, CancellationToken)"/>, on an open connection the caller keeps.</summary>
    public async Task<Dictionary<string, KnownState>> ReadManyAsync(DbConnection connection, IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, KnownState>(taskIds.Count, StringComparer.Ordinal);
        foreach (var chunk in taskIds.Chunk(1000))
        {
            var rows = await connection.QueryAsync<IdState>(new CommandDefinition(_sql.SelectAmong, new { Ids = chunk }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var row in rows)
            {
                result[row.TaskId] = row.ToKnown();
            }
        }

        return result;
    }

    /// <summary>The state and attempt count of one task read in the caller's transaction (the lease's take), or <c>null</c>.</summary>
    public async Task<KnownState?> ReadInAsync(DbConnection connection, DbTransaction transaction, string taskId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<IdState>(new CommandDefinition(_sql.SelectAmong, new { Ids = new[] { taskId } }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.FirstOrDefault()?.ToKnown();
    }

    /// <summary>The whole record of one task, or <c>null</c>.</summary>
    public async Task<TaskStateInfo?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(_sql.SelectInfo, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToInfo();
        }
    }

    /// <summary>
    /// The whole records of many tasks on one connection, 1,000 ids per statement (missing ids are absent from the
    /// result): the waiters' coalesced reads (<see cref="WaiterReads"/>).
    /// </summary>
    public async Task<Dictionary<string, TaskStateInfo>> GetManyAsync(IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TaskStateInfo>(taskIds.Count, StringComparer.Ordinal);
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var chunk in taskIds.Chunk(1000))
            {
                var rows = await connection.QueryAsync<StateRow>(new CommandDefinition(_sql.SelectInfoAmong, new { Ids = chunk }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    var info = row.ToInfo();
                    result[info.TaskId] = info;
                }
            }
        }

        return result;
    }

    /// <summary>Writes a batch of states that end no attempt in an error (<see cref="WriteAsync(IReadOnlyList{StateWrite}, IReadOnlyList{AttemptWrite}, CancellationToken)"/>).</summary>
    public Task WriteAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken) => WriteAsync(writes, [], cancellationToken);

    /// <summary>
    /// Writes a batch of states in one transaction, in task id order (a stable lock order between writers), with
    /// set-based upserts of up to <see cref="StateBatchUpsert.MaxRows"/> rows: a batch is a round trip or two. The
    /// attempts that ended in an error (<paramref name="attempts"/>, distinct, in task id order) are inserted after the
    /// states in the same transaction; a batch without any (the success path) is one statement as before.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<StateWrite> writes, IReadOnlyList<AttemptWrite> attempts, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await WriteAsync(connection, writes, attempts, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="WriteAsync(IReadOnlyList{StateWrite}, IReadOnlyList{AttemptWrite}, CancellationToken)"/>, on an open connection the caller keeps.</summary>
    public async Task WriteAsync(DbConnection connection, IReadOnlyList<StateWrite> writes, IReadOnlyList<AttemptWrite> attempts, CancellationToken cancellationToken)
    {
        var upsert = _sql.UpsertBatch;
        if (writes.Count <= upsert.MaxRows && attempts.Count == 0)
        {
            // One statement is atomic on its own: no BEGIN/COMMIT round trips around it.
            await upsert.ExecuteAsync(connection, null, writes, cancellationToken).ConfigureAwait(false);
            return;
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var chunk = upsert.MaxRows;
            for (var start = 0; start < writes.Count; start += chunk)
            {
                var rows = writes.Count <= chunk ? writes : writes.Skip(start).Take(chunk).ToList();
                await upsert.ExecuteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
            }

            if (attempts.Count > 0)
            {
                await InsertAttemptsAsync(connection, transaction, attempts, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Upserts <paramref name="writes"/> (distinct task ids) in the caller's transaction: set-based, up to
    /// <see cref="StateBatchUpsert.MaxRows"/> rows a statement, in task id order (the lock order of the state writer).
    /// </summary>
    public async Task WriteManyInAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        var upsert = _sql.UpsertBatch;
        var ordered = writes.OrderBy(static w => w.TaskId, StringComparer.Ordinal).ToList();
        for (var start = 0; start < ordered.Count; start += upsert.MaxRows)
        {
            var rows = ordered.Count <= upsert.MaxRows ? ordered : ordered.GetRange(start, Math.Min(upsert.MaxRows, ordered.Count - start));
            await upsert.ExecuteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One upsert in the caller's transaction; returns whether it changed the row (false: it was already final). A final
    /// state it recorded is notified in the same transaction (PostgreSQL, <see cref="FinalStateNotifications"/>): one
    /// more statement, delivered when the caller commits, never if it rolls back.
    /// </summary>
    public async Task<bool> WriteInAsync(DbConnection connection, DbTransaction? transaction, StateWrite write, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteAsync(new CommandDefinition(_sql.Upsert, write, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (rows > 0 && write.State >= (int)TaskState.Succeeded && _notifications is { } notifications)
        {
            await NotifyAsync(connection, transaction, notifications, [write.TaskId], cancellationToken).ConfigureAwait(false);
        }

        if (write.EndedAttempt is { } ended)
        {
            await InsertAttemptsAsync(connection, transaction, [ended], cancellationToken).ConfigureAwait(false);
        }

        return rows > 0;
    }

    /// <summary>
    /// Notifies final states committed outside the state writer (revokes) on a connection of its own, after their
    /// commit (PostgreSQL; nothing on SQL Server or with <see cref="TaskStateOptions.NotifyFinalStates"/> off).
    /// Ids that were not changed cost a waiter one read at most.
    /// </summary>
    public async Task NotifyFinalAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        if (_notifications is not { } notifications || taskIds.Count == 0)
        {
            return;
        }

        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await NotifyAsync(connection, null, notifications, taskIds, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task NotifyAsync(DbConnection connection, DbTransaction? transaction, FinalStateNotifications notifications, IEnumerable<string> taskIds, CancellationToken cancellationToken)
    {
        foreach (var payload in FinalStateNotifications.Payloads(taskIds))
        {
            await connection.ExecuteAsync(new CommandDefinition(notifications.Notify, new { notifications.Channel, Payload = payload }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Inserts (or replaces) attempt rows after their tasks' records (a row needs its record: the foreign key).</summary>
    private Task<int> InsertAttemptsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<AttemptWrite> attempts, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_attempts.Insert, _attempts.Parameters(attempts), transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// A task's attempts, oldest first: the stored ones (those that ended in an error), then its last attempt from its
    /// record when that is not among them (it succeeded, runs, or was revoked or expired after a run).
    /// </summary>
    public async Task<IReadOnlyList<TaskAttemptInfo>> GetAttemptsAsync(string taskId, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<AttemptRow>(new CommandDefinition(_attempts.Select, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var attempts = rows.Select(r => r.ToInfo()).ToList();
            var info = (await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(_sql.SelectInfo, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false))?.ToInfo();
            var last = attempts.Count == 0 ? 0 : attempts[^1].Attempt;
            if (info is not null && info.Attempts > last && info.StartedAt is not null)
            {
                attempts.Add(new TaskAttemptInfo(
                    taskId,
                    info.Attempts,
                    info.State,
                    info.Worker,
                    info.StartedAt,
                    info.CompletedAt,
                    info.State == TaskState.Succeeded ? null : info.Error,
                    null));
            }

            return attempts;
        }
    }

    /// <summary>Records a running task's progress (never on a final record), on its own connection.</summary>
    public async Task WriteProgressAsync(RunWrite write, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.UpsertProgress, write, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Records a task's last progress in its own transaction (with its completion record).</summary>
    public Task WriteProgressInAsync(RunWrite write, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_sql.UpsertProgress, write, transaction, cancellationToken: cancellationToken));

    /// <summary>Saves a task's checkpoint (never on a final record): in the task's transaction when given, else on its own.</summary>
    public async Task WriteCheckpointAsync(RunWrite write, DbConnection? connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (connection is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.UpsertCheckpoint, write, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return;
        }

        var own = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (own.ConfigureAwait(false))
        {
            await own.ExecuteAsync(new CommandDefinition(_sql.UpsertCheckpoint, write, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>A task's last checkpoint (JSON) or <c>null</c>: in the task's transaction when given (it sees its own uncommitted checkpoint).</summary>
    public async Task<string?> ReadCheckpointAsync(string taskId, DbConnection? connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (connection is not null)
        {
            return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(_sql.SelectCheckpoint, new { TaskId = taskId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var own = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (own.ConfigureAwait(false))
        {
            return await own.ExecuteScalarAsync<string?>(new CommandDefinition(_sql.SelectCheckpoint, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Reopens a failed or dead-lettered task for a re-drive; <c>false</c> when it was in another state (another copy reopened it).</summary>
    public async Task<bool> ReopenAsync(string taskId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.Reopen, new { TaskId = taskId, Now = now, ExpiresAt = now + _options.UnfinishedExpiry }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>Revokes one task; returns <c>false</c> when it had already finished.</summary>
    public async Task<bool> RevokeAsync(string taskId, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.ExecuteAsync(new CommandDefinition(_sql.Revoke, new { TaskId = taskId, Error = reason, Now = now, ExpiresAt = now + _options.ResultExpiry }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows > 0;
        }
    }

    /// <summary>
    /// Revokes many tasks, <see cref="StateBatchRevoke.MaxIds"/> ids a statement (each atomic on its own); returns how
    /// many were revoked (ids unknown to the store count: their revoked record is inserted, as by <see cref="RevokeAsync"/>).
    /// </summary>
    public async Task<int> RevokeManyAsync(IReadOnlyList<string> taskIds, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var revoked = 0;
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var chunk in taskIds.Chunk(_sql.RevokeBatch.MaxIds))
            {
                revoked += await _sql.RevokeBatch.ExecuteAsync(connection, null, chunk, reason, now, now + _options.ResultExpiry, cancellationToken).ConfigureAwait(false);
            }
        }

        return revoked;
    }

    /// <summary>Which of <paramref name="taskIds"/> are revoked (the running tasks of this process, checked for revokes from others).</summary>
    public async Task<IReadOnlyList<string>> RevokedAmongAsync(IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var result = new List<string>();
            foreach (var chunk in taskIds.Chunk(1000))
            {
                result.AddRange(await connection.QueryAsync<string>(new CommandDefinition(_sql.SelectRevokedAmong, new { Ids = chunk }, cancellationToken: cancellationToken)).ConfigureAwait(false));
            }

            return result;
        }
    }

    /// <summary>
    /// Deletes expired records in batches until none are left (or <paramref name="maxBatches"/> ran), then the
    /// expired entity leases on the same connection; returns how many records.
    /// </summary>
    public async Task<long> CleanupAsync(int maxBatches, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        long total = 0;
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            for (var i = 0; i < maxBatches; i++)
            {
                var deleted = await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteExpired, new { Now = now, BatchSize = _options.CleanupBatchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
                total += deleted;
                if (deleted < _options.CleanupBatchSize)
                {
                    break;
                }
            }

            await connection.ExecuteAsync(new CommandDefinition(_deleteExpiredLeases, new { Now = now, BatchSize = _options.CleanupBatchSize }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        return total;
    }

    private sealed class IdState
    {
        public string TaskId { get; set; } = "";

        public object? State { get; set; }

        public object? Attempts { get; set; }

        public KnownState ToKnown() => new(
            (TaskState)Convert.ToInt32(State, CultureInfo.InvariantCulture),
            Attempts is null or DBNull ? 0 : Convert.ToInt32(Attempts, CultureInfo.InvariantCulture));
    }
}
