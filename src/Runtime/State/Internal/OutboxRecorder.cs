using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// The send-side records of the outbox, written in the caller's transaction: the entity check and the claim of its
/// unique key before the task is written (refused while a lease holds the entity) and its pending state after, so both commit or roll back with
/// the caller's own writes. Tasks sent through the outbox are always recorded when tracked.
/// </summary>
internal sealed class OutboxRecorder : ITaskSendRecorder
{
    private readonly TaskStateStore _store;
    private readonly DbTransaction _transaction;

    public OutboxRecorder(TaskStateStore store, DbTransaction transaction)
    {
        _store = store;
        _transaction = transaction;
    }

    public static DbConnection ConnectionOf(DbTransaction transaction) => transaction.Connection
        ?? throw new InvalidOperationException("TaskFlow outbox: the transaction has no connection (already committed or rolled back?).");

    public async ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        var connection = ConnectionOf(_transaction);
        await _store.Database.Schema.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (envelope.EntityKey is { } entityKey)
        {
            await _store.Database.Leases.CheckForEnqueueAsync(connection, _transaction, entityKey, cancellationToken).ConfigureAwait(false);
        }

        // In the caller's transaction: rolled back, the key was never taken; a concurrent claim of it waits for the commit.
        if (envelope.Unique is not null && await _store.Database.UniqueKeys.ClaimAsync(connection, _transaction, envelope, cancellationToken).ConfigureAwait(false) is { } holder)
        {
            return holder;
        }

        if (envelope.OrderKey is not null)
        {
            // Its number, in the caller's transaction too: rolled back, it leaves no row to wait for (and ordered senders of
            // the key wait for this transaction's end).
            await _store.Database.Order.RecordAsync(connection, _transaction, envelope, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    public async ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        if (_store.Tracks(envelope.TaskName) || envelope.EntityKey is not null || envelope.Unique is not null || envelope.OrderKey is not null)
        {
            var pending = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: envelope.EntityKey).WithLineageOf(envelope).WithMessageOf(envelope);
            await _store.Database.States.WriteInAsync(ConnectionOf(_transaction), _transaction, pending, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The pending records of a batch with set-based upserts in the caller's transaction (a round trip per <see cref="StateBatchUpsert.MaxRows"/> records).</summary>
    public async ValueTask AfterSendManyAsync(IReadOnlyList<TaskEnvelope> envelopes, CancellationToken cancellationToken)
    {
        var pending = new List<StateWrite>(envelopes.Count);
        foreach (var envelope in envelopes)
        {
            if (_store.Tracks(envelope.TaskName) || envelope.EntityKey is not null || envelope.Unique is not null || envelope.OrderKey is not null)
            {
                pending.Add(_store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: envelope.EntityKey).WithLineageOf(envelope).WithArguments(ArgumentsText.Of(envelope)));
            }
        }

        if (pending.Count > 0)
        {
            await _store.Database.States.WriteManyInAsync(ConnectionOf(_transaction), _transaction, pending, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Nothing to release: the caller's transaction rolls back whatever was written.</summary>
    public ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception) => ValueTask.CompletedTask;

    public TaskHandle Attach(TaskHandle handle) => handle with { Store = _store };
}
