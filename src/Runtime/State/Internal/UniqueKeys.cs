using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Logging;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// The keys of unique tasks (<c>unique_key</c>): claimed in the transaction that records the task as pending (the
/// caller's, through the outbox), so that the key and the task commit or roll back together; a second claim of a held
/// key gets its holder instead. A key whose holder no longer holds it (its task started or ended, per its scope, or its
/// period is over) is taken over by the next claim; cleanup deletes keys whose period ended.
/// </summary>
internal sealed class UniqueKeys
{
    /// <summary>Claims give up after this many rounds of "inserted by another, then released before we read it" (a storm of takeovers).</summary>
    private const int MaxRounds = 20;

    private readonly StateConnections _connections;
    private readonly UniqueKeyStatements _sql;
    private readonly EntityLeases _leases;
    private readonly TaskStateRecords _states;
    private readonly TaskStateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public UniqueKeys(StateConnections connections, UniqueKeyStatements sql, EntityLeases leases, TaskStateRecords states, TaskStateOptions options, TimeProvider time, ILogger logger)
    {
        _connections = connections;
        _sql = sql;
        _leases = leases;
        _states = states;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Before a unique task is published: in one transaction, the entity check (when it has an entity key), the claim of
    /// its key and its pending record. Returns the holder when another task holds the key (nothing is written then).
    /// </summary>
    public async Task<UniqueHolder?> RecordPendingAsync(TaskEnvelope envelope, StateWrite pending, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (envelope.EntityKey is { } entityKey)
                {
                    await _leases.CheckForEnqueueAsync(connection, transaction, entityKey, cancellationToken).ConfigureAwait(false);
                }

                if (await ClaimAsync(connection, transaction, envelope, cancellationToken).ConfigureAwait(false) is { } holder)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return holder;
                }

                await _states.WriteInAsync(connection, transaction, pending, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
        }
    }

    /// <summary>
    /// Claims the envelope's unique key in <paramref name="transaction"/>: <c>null</c> when this task holds it now
    /// (inserted, or taken over from a holder that no longer held it), else the holder. The task's pending record must
    /// be written in the same transaction: a later claim reads it to know whether the key still holds.
    /// </summary>
    public async Task<UniqueHolder?> ClaimAsync(DbConnection connection, DbTransaction transaction, TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        var claim = envelope.Unique ?? throw new InvalidOperationException("TaskFlow: the task is not unique.");
        for (var round = 0; round < MaxRounds; round++)
        {
            var now = _time.GetUtcNow();
            var row = new ClaimRow
            {
                TaskName = envelope.TaskName,
                Key = claim.Key,
                TaskId = envelope.Id,
                Queue = envelope.Queue,
                Scope = (short)claim.Scope,
                Now = now,
                ExpiresAt = now + (claim.Period ?? _options.UnfinishedExpiry),
            };

            // 1. Insert unless a row has the key. Waits for a concurrent insert of the key to commit or roll back.
            if (await connection.ExecuteAsync(new CommandDefinition(_sql.Insert, row, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1)
            {
                return null;
            }

            // 2. A new statement (a new snapshot under read committed): the holder, and whether it still holds.
            var holder = await connection.QuerySingleOrDefaultAsync<HolderRow>(new CommandDefinition(_sql.SelectHolder, row, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (holder is null)
            {
                continue; // released (a failed send) or cleaned up since: insert again
            }

            if (holder.Held)
            {
                StateLog.UniqueDeduplicated(_logger, envelope.TaskName, claim.Key, holder.TaskId);
                return new UniqueHolder(holder.TaskId, holder.Queue);
            }

            // 3. Stale: take it over, only if nobody did since step 2 (compare-and-swap on the holder's task id).
            row.StaleTaskId = holder.TaskId;
            if (await connection.ExecuteAsync(new CommandDefinition(_sql.TakeOver, row, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1)
            {
                StateLog.UniqueTakenOver(_logger, envelope.TaskName, envelope.Id, claim.Key, holder.TaskId);
                return null;
            }
        }

        throw new InvalidOperationException($"TaskFlow: unique key '{claim.Key}' of task {envelope.TaskName} changed hands {MaxRounds} times while it was claimed; try again.");
    }

    /// <summary>A unique task was not sent: its key is released (only if it still holds it), so that the next enqueue is not deduplicated against nothing.</summary>
    public async Task ReleaseAsync(TaskEnvelope envelope)
    {
        var claim = envelope.Unique!;
        try
        {
            var connection = await _connections.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await connection.ExecuteAsync(new CommandDefinition(_sql.Release, new { envelope.TaskName, claim.Key, TaskId = envelope.Id })).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            StateLog.UniqueReleaseFailed(_logger, ex, envelope.TaskName, envelope.Id, claim.Key);
        }
    }

    /// <summary>Deletes one batch of keys whose period ended before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteExpired, new { Before = before, BatchSize = batchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The parameters of a claim.</summary>
    private sealed class ClaimRow
    {
        public string TaskName { get; init; } = "";

        public string Key { get; init; } = "";

        public string TaskId { get; init; } = "";

        public string Queue { get; init; } = "";

        public short Scope { get; init; }

        public DateTimeOffset Now { get; init; }

        public DateTimeOffset ExpiresAt { get; init; }

        public string? StaleTaskId { get; set; }
    }

    /// <summary>A key's row as <see cref="UniqueKeyStatements.SelectHolder"/> reads it.</summary>
    private sealed class HolderRow
    {
        public string TaskId { get; set; } = "";

        public string Queue { get; set; } = "";

        public bool Held { get; set; }
    }
}
