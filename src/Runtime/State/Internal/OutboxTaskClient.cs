using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Internal;
using TaskFlow.Protocol;

namespace TaskFlow.State.Internal;

/// <summary>
/// Enqueues into the outbox inside the caller's transaction: one <c>outbox_transaction</c> row for the
/// transaction, one <c>outbox_message</c> row per task (in order), and the task's pending state, all committed
/// (or rolled back) with the caller's own writes. The relay publishes after the commit.
/// </summary>
internal sealed class OutboxTaskClient : ITaskClient
{
    private readonly TaskStateStore _store;
    private readonly DbTransaction _transaction;
    private long? _outboxId;
    private int _sequence;

    public OutboxTaskClient(TaskStateStore store, DbTransaction transaction)
    {
        _store = store;
        _transaction = transaction;
    }

    public async ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDescriptor task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        ArgumentNullException.ThrowIfNull(task);
        var connection = _transaction.Connection
            ?? throw new InvalidOperationException("TaskFlow outbox: the transaction has no connection (already committed or rolled back?).");
        var database = _store.Database;
        await database.Schema.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var envelope = TaskEnvelope.Create(task, arguments, options, _store.FlowOptions, database.Now, Origin.Value);
        if (options?.EntityKey is { } entityKey)
        {
            await database.Leases.CheckForEnqueueAsync(connection, _transaction, entityKey, cancellationToken).ConfigureAwait(false);
        }

        _outboxId ??= await database.Outbox.InsertTransactionAsync(connection, _transaction, cancellationToken).ConfigureAwait(false);
        await database.Outbox.InsertMessageAsync(connection, _transaction, new OutboxMessageRow
        {
            TransactionId = _outboxId.Value,
            Seq = _sequence++,
            TaskId = envelope.Id,
            TaskName = envelope.TaskName,
            Queue = envelope.Queue,
            Headers = HeaderJson.Write(envelope.Headers),
            Body = envelope.Body.ToArray(),
            Eta = envelope.Eta?.ToUniversalTime(),
            Priority = envelope.Priority,
        }, cancellationToken).ConfigureAwait(false);

        if (_store.Tracks(task.Name) || options?.EntityKey is not null)
        {
            var pending = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: options?.EntityKey);
            await database.States.WriteInAsync(connection, _transaction, pending, cancellationToken).ConfigureAwait(false);
        }

        return _store.Attach(new TaskHandle(envelope.Id, envelope.TaskName, envelope.Queue));
    }
}
