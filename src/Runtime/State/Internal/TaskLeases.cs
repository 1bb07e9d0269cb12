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
/// The leases of long-running tasks (<c>task_lease</c>): taken with the started record in one transaction, renewed by
/// heartbeat, released when the run is over, expired at once when it did not finish, and claimed by the reaper when
/// their holder stopped renewing. Every change after the take names the holder's fencing token.
/// </summary>
internal sealed class TaskLeases
{
    private readonly StateConnections _connections;
    private readonly TaskLeaseStatements _sql;
    private readonly TaskStateRecords _states;
    private readonly TimeProvider _time;

    public TaskLeases(StateConnections connections, TaskLeaseStatements sql, TaskStateRecords states, TimeProvider time)
    {
        _connections = connections;
        _sql = sql;
        _states = states;
        _time = time;
    }

    /// <summary>
    /// Takes a task's lease and records its run as started, in one transaction. Returns the fencing token, or the reason
    /// the run must not start: the task is final (its state's wire name), or another holder's lease is live.
    /// </summary>
    /// <param name="lease">The lease row to write (its <see cref="LeaseRow.Attempt"/> is set here, from the runs the store counted).</param>
    /// <param name="retries">The retries the message tells: runs that happened for certain. Redeliveries do not count here:
    /// a message a killed worker had prefetched comes back flagged redelivered without having run; in lease mode every
    /// run that started is in the store (its started record commits with the lease), so the store's count is exact.</param>
    /// <param name="started">Builds the started record for an attempt number.</param>
    /// <param name="cancellationToken">Cancels the transaction.</param>
    public async Task<(long Token, int Attempt, string? Skip)> AcquireAsync(LeaseRow lease, int retries, Func<int, StateWrite> started, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var attempts = 0;
                if (await _states.ReadInAsync(connection, transaction, lease.TaskId, cancellationToken).ConfigureAwait(false) is { } known)
                {
                    if (known.State.IsFinal())
                    {
                        return (0, 0, known.State.ToWireName());
                    }

                    attempts = known.Attempts;
                }

                lease.Attempt = Math.Max(retries, attempts) + 1;
                var token = await connection.ExecuteScalarAsync<object>(new CommandDefinition(_sql.Acquire, lease, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (token is null or DBNull)
                {
                    var holder = await connection.QuerySingleOrDefaultAsync<HolderRow>(new CommandDefinition(_sql.SelectHolder, new { lease.TaskId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    return (0, 0, $"its lease is held by {holder?.Holder ?? "another worker"} until {DbValues.ToTime(holder?.ExpiresAt):O}");
                }

                if (!await _states.WriteInAsync(connection, transaction, started(lease.Attempt), cancellationToken).ConfigureAwait(false))
                {
                    // Final since the read above (completed or revoked meanwhile): no run, no lease (rolled back).
                    return (0, 0, "final");
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (Convert.ToInt64(token, CultureInfo.InvariantCulture), lease.Attempt, null);
            }
        }
    }

    /// <summary>The heartbeat: moves the lease's expiry; <c>false</c> when the lease was taken over (fenced) or deleted.</summary>
    public async Task<bool> RenewAsync(string taskId, long token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.Renew, new { TaskId = taskId, Token = token, Now = now, ExpiresAt = now + duration }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>Deletes the lease (the run is over and what follows it is recorded or sent).</summary>
    public async Task ReleaseAsync(string taskId, long token, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.Release, new { TaskId = taskId, Token = token }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Expires the lease now (the run did not finish): the next reaper pass sends the task again.</summary>
    public async Task ExpireAsync(string taskId, long token, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.Expire, new { TaskId = taskId, Token = token, Now = _time.GetUtcNow() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Locks up to <paramref name="batchSize"/> expired leases in the reaper's transaction (rows other reapers hold are skipped).</summary>
    public async Task<IReadOnlyList<LeaseRow>> ClaimExpiredAsync(DbConnection connection, DbTransaction transaction, int batchSize, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<ClaimedRow>(new CommandDefinition(_sql.ClaimExpired, new { Now = _time.GetUtcNow(), BatchSize = batchSize }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new LeaseRow
        {
            TaskId = r.TaskId,
            TaskName = r.TaskName,
            Queue = r.Queue,
            Holder = r.Holder,
            Token = Convert.ToInt64(r.Token, CultureInfo.InvariantCulture),
            Attempt = Convert.ToInt32(r.Attempt, CultureInfo.InvariantCulture),
            Headers = r.Headers,
            Body = r.Body,
        }).ToList();
    }

    /// <summary>Deletes a claimed lease in the reaper's transaction.</summary>
    public Task DeleteAsync(DbConnection connection, DbTransaction transaction, LeaseRow lease, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_sql.Release, new { lease.TaskId, lease.Token }, transaction, cancellationToken: cancellationToken));

    private sealed class HolderRow
    {
        public string? Holder { get; set; }

        public object? ExpiresAt { get; set; }
    }

    private sealed class ClaimedRow
    {
        public string TaskId { get; set; } = "";

        public string TaskName { get; set; } = "";

        public string Queue { get; set; } = "";

        public string Holder { get; set; } = "";

        public object? Token { get; set; }

        public object? Attempt { get; set; }

        public string Headers { get; set; } = "";

        public byte[] Body { get; set; } = [];
    }
}
