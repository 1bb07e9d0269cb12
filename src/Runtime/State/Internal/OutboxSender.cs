using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// The outbox as a sender: "sending" writes the envelope into <c>outbox_message</c> inside the caller's transaction
/// (one <c>outbox_transaction</c> row for the transaction, messages in order); the relay publishes after the commit,
/// and nothing if it rolls back. One per transaction; not thread-safe.
/// </summary>
internal sealed class OutboxSender : ITaskSender
{
    private readonly StateDatabase _database;
    private readonly DbTransaction _transaction;
    private long? _outboxId;
    private int _sequence;

    public OutboxSender(StateDatabase database, DbTransaction transaction)
    {
        _database = database;
        _transaction = transaction;
    }

    public TimeSpan MaxDelay => TaskFlowLimits.MaxDelay;

    public bool RunsInline => false;

    public async ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        var connection = OutboxRecorder.ConnectionOf(_transaction);
        _outboxId ??= await _database.Outbox.InsertTransactionAsync(connection, _transaction, cancellationToken).ConfigureAwait(false);
        await _database.Outbox.InsertMessageAsync(connection, _transaction, Row(envelope), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The batch as multi-row inserts (one statement up to the dialect's parameter limit) in the caller's transaction,
    /// in order after what this transaction wrote before. A failure fails the whole batch: the caller's transaction is
    /// then in doubt and must roll back.
    /// </summary>
    public async ValueTask SendManyAsync(IReadOnlyList<TaskEnvelope> envelopes, Exception?[] errors, CancellationToken cancellationToken)
    {
        var connection = OutboxRecorder.ConnectionOf(_transaction);
        _outboxId ??= await _database.Outbox.InsertTransactionAsync(connection, _transaction, cancellationToken).ConfigureAwait(false);
        var rows = new OutboxMessageRow[envelopes.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = Row(envelopes[i]);
        }

        await _database.Outbox.InsertMessagesAsync(connection, _transaction, rows, cancellationToken).ConfigureAwait(false);
    }

    private OutboxMessageRow Row(TaskEnvelope envelope) => new()
    {
        TransactionId = _outboxId!.Value,
        Seq = _sequence++,
        TaskId = envelope.Id,
        TaskName = envelope.TaskName,
        Queue = envelope.Queue,
        Headers = HeaderJson.Write(envelope.Headers),
        Body = envelope.Body.ToArray(),
        Eta = envelope.Eta?.ToUniversalTime(),
        Priority = envelope.Priority,
    };
}
