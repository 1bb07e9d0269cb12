using System;
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
        return envelope.Unique is null ? null : await _store.Database.UniqueKeys.ClaimAsync(connection, _transaction, envelope, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        if (_store.Tracks(envelope.TaskName) || envelope.EntityKey is not null || envelope.Unique is not null)
        {
            var pending = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: envelope.EntityKey).WithLineageOf(envelope).WithMessageOf(envelope);
            await _store.Database.States.WriteInAsync(ConnectionOf(_transaction), _transaction, pending, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Nothing to release: the caller's transaction rolls back whatever was written.</summary>
    public ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception) => ValueTask.CompletedTask;

    public TaskHandle Attach(TaskHandle handle) => handle with { Store = _store };
}
