using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Logging;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.State.Internal;

/// <summary>
/// Ordered processing per key (<c>order_seq</c>, <c>task_order</c>, <see cref="OrderStatements"/>): the core's
/// <see cref="IOrderGate"/>. An ordered send takes the next number of its key in the transaction that records it as pending
/// (<see cref="RecordAsync"/>: the caller's through the outbox), so numbers follow the commits; a worker runs the task once
/// every earlier task of its key is final (<see cref="CheckAsync"/>).
/// </summary>
internal sealed class OrderRecords : IOrderGate
{
    private readonly StateConnections _connections;
    private readonly OrderStatements _sql;
    private readonly EntityLeases _leases;
    private readonly UniqueKeys _uniqueKeys;
    private readonly TaskStateRecords _states;
    private readonly TaskStateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public OrderRecords(StateConnections connections, OrderStatements sql, EntityLeases leases, UniqueKeys uniqueKeys, TaskStateRecords states, TaskStateOptions options, TimeProvider time, ILogger logger)
    {
        _connections = connections;
        _sql = sql;
        _leases = leases;
        _uniqueKeys = uniqueKeys;
        _states = states;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Before an ordered task is published: in one transaction, the entity check (when it has an entity key), the claim of
    /// its unique key (when it has one: a duplicate takes no number and writes nothing), its number and its pending record.
    /// Returns the holder of its unique key when another task holds it.
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

                if (envelope.Unique is not null && await _uniqueKeys.ClaimAsync(connection, transaction, envelope, cancellationToken).ConfigureAwait(false) is { } holder)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return holder;
                }

                await RecordAsync(connection, transaction, envelope, cancellationToken).ConfigureAwait(false);
                await _states.WriteInAsync(connection, transaction, pending, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
        }
    }

    /// <summary>
    /// Gives the envelope the next number of its order key in <paramref name="transaction"/>, which must also write its
    /// pending record (the gate reads a predecessor without one as finished). The key's row stays locked until the
    /// transaction ends: concurrent senders of one key wait for each other.
    /// </summary>
    public async Task RecordAsync(DbConnection connection, DbTransaction transaction, TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var row = new
        {
            Key = envelope.OrderKey ?? throw new InvalidOperationException("TaskFlow: the task is not ordered."),
            TaskId = envelope.Id,
            Now = now,
            DueAt = envelope.Eta is { } eta && eta > now ? eta : now,
        };
        await connection.ExecuteAsync(new CommandDefinition(_sql.Record, row, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<OrderCheck> CheckAsync(string taskId, string orderKey, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        // No gap timeout: nothing is older than the epoch, so no predecessor is ever a gap.
        var gapBefore = _options.OrderGapTimeout is { } timeout ? now - timeout : DateTimeOffset.UnixEpoch;
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var found = await connection.QuerySingleOrDefaultAsync<CheckRow>(new CommandDefinition(
                _sql.Check, new { TaskId = taskId, Now = now, GapBefore = gapBefore }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (found is null)
            {
                // Not numbered (sent with the header but not through a store, or its row was cleaned up): nothing to wait for.
                return new OrderCheck(false, null, null, 0);
            }

            if (found.BlockerId is { } blocker)
            {
                return new OrderCheck(true, blocker, StateName(found.BlockerState), found.Seq - (found.BlockerSeq ?? 0));
            }

            if (found.GapId is { } gap)
            {
                StateLog.OrderGapSkipped(_logger, taskId, orderKey, gap, found.Gaps, found.GapSince ?? now);
            }

            if (found.Below)
            {
                // Every row below is final or skipped: forgotten, so the next task's check starts at this one.
                await connection.ExecuteAsync(new CommandDefinition(_sql.ForgetBelow, new { Key = orderKey, found.Seq }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            return new OrderCheck(true, null, null, 0);
        }
    }

    /// <inheritdoc />
    public string? Problem(TaskDescriptor task)
    {
        var policy = _options.PolicyOf(task.Name);
        if (policy is { Track: false })
        {
            return $"Task {task.Name} is declared [Task(Ordered = true)], whose gate reads the states of earlier tasks, but TaskStateOptions.Tasks[\"{task.Name}\"].Track is false: track it, or remove Ordered.";
        }

        return null;
    }

    /// <summary>Deletes one batch of rows due before <paramref name="before"/> whose task is final (or has no record); returns how many.</summary>
    public async Task<int> DeleteFinishedAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteFinished, new { Before = before, BatchSize = batchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes one batch of key counters unused since <paramref name="before"/> whose key has no rows left; returns how many.</summary>
    public async Task<int> DeleteIdleAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteIdle, new { Before = before, BatchSize = batchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    private static string StateName(short? state) => state switch
    {
        0 => "pending",
        1 => "started",
        2 => "retrying",
        _ => "unfinished",
    };

    /// <summary>A row of <see cref="OrderStatements.Check"/>.</summary>
    private sealed class CheckRow
    {
        public long Seq { get; set; }

        public string? BlockerId { get; set; }

        public long? BlockerSeq { get; set; }

        public short? BlockerState { get; set; }

        public string? GapId { get; set; }

        public DateTimeOffset? GapSince { get; set; }

        public long Gaps { get; set; }

        public bool Below { get; set; }
    }
}
