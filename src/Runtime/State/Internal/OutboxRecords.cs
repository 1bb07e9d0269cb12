using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Data;
using System.Globalization;
using System.Text;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>
/// The transactional outbox's rows: written in the caller's transaction (<see cref="OutboxSender"/>), claimed,
/// read, deleted or rescheduled in the relay's (<see cref="OutboxRelay"/>), and summed up for monitoring.
/// </summary>
internal sealed class OutboxRecords
{
    private readonly StateConnections _connections;
    private readonly OutboxStatements _sql;
    private readonly TimeProvider _time;

    public OutboxRecords(StateConnections connections, OutboxStatements sql, TimeProvider time)
    {
        _connections = connections;
        _sql = sql;
        _time = time;
    }

    /// <summary>Inserts an outbox transaction in the caller's transaction; returns its id.</summary>
    public async Task<long> InsertTransactionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var id = await connection.ExecuteScalarAsync<object>(new CommandDefinition(_sql.InsertTransaction, new { Now = _time.GetUtcNow() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return Convert.ToInt64(id, CultureInfo.InvariantCulture);
    }

    /// <summary>Inserts one message of an outbox transaction in the caller's transaction.</summary>
    public Task InsertMessageAsync(DbConnection connection, DbTransaction transaction, OutboxMessageRow message, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_sql.InsertMessage, message, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Inserts messages of an outbox transaction in the caller's transaction with multi-row inserts: one statement
    /// for up to <see cref="OutboxStatements.MessagesPerInsert"/> messages (the dialect's parameter limit), so a batch
    /// of that many is one round trip.
    /// </summary>
    public async Task InsertMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<OutboxMessageRow> messages, CancellationToken cancellationToken)
    {
        for (var start = 0; start < messages.Count; start += _sql.MessagesPerInsert)
        {
            var (sql, parameters) = BuildInsert(messages, start, Math.Min(_sql.MessagesPerInsert, messages.Count - start));
            await connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The multi-row insert of <paramref name="count"/> messages from <paramref name="start"/> (all of one outbox transaction) and its parameters.</summary>
    public (string Sql, DynamicParameters Parameters) BuildInsert(IReadOnlyList<OutboxMessageRow> messages, int start, int count)
    {
        var parameters = new DynamicParameters();
        parameters.Add("TransactionId", messages[start].TransactionId, DbType.Int64);
        var sql = new StringBuilder(_sql.InsertMessagesHead, _sql.InsertMessagesHead.Length + (count * 110));
        for (var i = 0; i < count; i++)
        {
            var row = messages[start + i];
            var n = i.ToString(CultureInfo.InvariantCulture);
            parameters.Add("TaskId_" + n, row.TaskId, DbType.String);
            parameters.Add("TaskName_" + n, row.TaskName, DbType.String);
            parameters.Add("Queue_" + n, row.Queue, DbType.String);
            parameters.Add("Headers_" + n, row.Headers, DbType.String, size: -1);
            parameters.Add("Body_" + n, row.Body, DbType.Binary, size: -1);
            parameters.Add("Eta_" + n, row.Eta, DbType.DateTimeOffset);
            parameters.Add("Priority_" + n, row.Priority, DbType.Int16);
            sql.Append(i == 0 ? "(" : ", (")
                .Append("@TransactionId, ").Append(row.Seq.ToString(CultureInfo.InvariantCulture))
                .Append(", @TaskId_").Append(n).Append(", @TaskName_").Append(n).Append(", @Queue_").Append(n)
                .Append(", @Headers_").Append(n).Append(", @Body_").Append(n).Append(", @Eta_").Append(n).Append(", @Priority_").Append(n).Append(')');
        }

        return (sql.ToString(), parameters);
    }

    /// <summary>Claims up to <paramref name="batchSize"/> due transactions in the relay's transaction (row locks other relays skip); returns their ids and failed attempts.</summary>
    public async Task<IReadOnlyList<(long Id, int Attempts)>> ClaimAsync(DbConnection connection, DbTransaction transaction, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<ClaimRow>(new CommandDefinition(_sql.Claim, new { Now = now, BatchSize = batchSize }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(c => (Convert.ToInt64(c.Id, CultureInfo.InvariantCulture), Convert.ToInt32(c.Attempts, CultureInfo.InvariantCulture))).ToList();
    }

    /// <summary>
    /// Most ids one <c>IN @Ids</c> statement takes: SQL Server allows 2,100 parameters a statement and Dapper expands a
    /// list into one parameter per item, so a relay batch (<see cref="TaskStateOptions.OutboxBatchSize"/>, up to 10,000)
    /// is read and deleted in statements of this many.
    /// </summary>
    public const int IdsPerStatement = 1000;

    /// <summary>The messages of claimed transactions, in transaction and sequence order.</summary>
    public async Task<IEnumerable<OutboxMessageRead>> ReadMessagesAsync(DbConnection connection, DbTransaction transaction, long[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length <= IdsPerStatement)
        {
            return await connection.QueryAsync<OutboxMessageRead>(new CommandDefinition(_sql.SelectMessages, new { Ids = ids }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        // Ascending chunks of the ids keep the transaction and sequence order of one statement.
        var messages = new List<OutboxMessageRead>();
        foreach (var chunk in ids.Order().Chunk(IdsPerStatement))
        {
            messages.AddRange(await connection.QueryAsync<OutboxMessageRead>(new CommandDefinition(_sql.SelectMessages, new { Ids = chunk }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false));
        }

        return messages;
    }

    /// <summary>Deletes published transactions (their messages go with them).</summary>
    public async Task DeleteAsync(DbConnection connection, DbTransaction transaction, long[] ids, CancellationToken cancellationToken)
    {
        foreach (var chunk in ids.Chunk(IdsPerStatement))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteTransactions, new { Ids = chunk }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Records a failed publish of a transaction: one more attempt, the error, and when to try again.</summary>
    public Task FailAsync(DbConnection connection, DbTransaction transaction, long id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_sql.FailTransaction, new { Id = id, Error = error, NextAttemptAt = nextAttemptAt }, transaction, cancellationToken: cancellationToken));

    /// <summary>The backlog: pending and failing transactions.</summary>
    public async Task<OutboxStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var status = await connection.QuerySingleAsync<StatusRow>(new CommandDefinition(_sql.SelectStatus, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var failures = await connection.QueryAsync<FailureRow>(new CommandDefinition(_sql.SelectFailures, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new OutboxStatus(
                Convert.ToInt64(status.Pending, CultureInfo.InvariantCulture),
                Convert.ToInt64(status.Failing, CultureInfo.InvariantCulture),
                DbValues.ToTime(status.Oldest),
                failures.Select(f => new OutboxFailure(
                    Convert.ToInt64(f.Id, CultureInfo.InvariantCulture),
                    DbValues.ToTime(f.CreatedAt)!.Value,
                    Convert.ToInt32(f.Attempts, CultureInfo.InvariantCulture),
                    DbValues.ToTime(f.NextAttemptAt)!.Value,
                    f.LastError)).ToList());
        }
    }

    /// <summary>How many messages wait for the relay, and when the oldest waiting transaction was written (for the outbox gauges).</summary>
    public async Task<(long Messages, DateTimeOffset? Oldest)> GetBacklogAsync(CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleAsync<BacklogRow>(new CommandDefinition(_sql.SelectBacklog, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return (Convert.ToInt64(row.Messages, CultureInfo.InvariantCulture), DbValues.ToTime(row.Oldest));
        }
    }

    private sealed class BacklogRow
    {
        public object? Messages { get; set; }

        public object? Oldest { get; set; }
    }

    private sealed class ClaimRow
    {
        public object? Id { get; set; }

        public object? Attempts { get; set; }
    }

    private sealed class StatusRow
    {
        public object? Pending { get; set; }

        public object? Failing { get; set; }

        public object? Oldest { get; set; }
    }

    private sealed class FailureRow
    {
        public object? Id { get; set; }

        public object? CreatedAt { get; set; }

        public object? Attempts { get; set; }

        public object? NextAttemptAt { get; set; }

        public string? LastError { get; set; }
    }
}
