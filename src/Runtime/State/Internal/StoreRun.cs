using System;
using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.State.Internal;

/// <summary>
/// One run of a tracked task: its revoke tracking (a revoke cancels <see cref="Cancellation"/>) and its unit of work,
/// the database transaction the task may open (<see cref="TaskContext.GetTransactionAsync(CancellationToken)"/>) in which
/// the completion record is written and committed with the task's own work. Disposing rolls back a transaction that
/// was not committed (the task threw) and ends the tracking.
/// </summary>
internal sealed class StoreRun : IRunRecord
{
    private readonly TaskStateStore _store;
    private readonly RunningTasks.Running _running;
    private readonly IncomingTask _task;
    private readonly string _queue;
    private DbConnection? _connection;
    private DbTransaction? _transaction;

    public StoreRun(TaskStateStore store, RunningTasks.Running running, IncomingTask task, string queue)
    {
        _store = store;
        _running = running;
        _task = task;
        _queue = queue;
    }

    public CancellationToken Cancellation => _running.Cancellation.Token;

    public bool Revoked => _running.Revoked;

    public async ValueTask<DbTransaction> GetTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken)
    {
        if (_transaction is { } existing)
        {
            return existing;
        }

        _connection = await _store.Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        _transaction = await _connection.BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false);
        return _transaction;
    }

    /// <summary>
    /// The task's own database work and its completion record in one transaction: the record is written in the
    /// task's transaction and both commit together. Zero rows changed means another run of the same task id
    /// completed first (the record was final): roll back, so the work is not done twice.
    /// </summary>
    public async ValueTask<bool?> CommitWorkAsync(object? result, TaskDescriptor task)
    {
        if (_transaction is not { } transaction)
        {
            return null;
        }

        string? json = null;
        if (result is not null && _store.KeepsResult(task.Name, task, _task.Headers.IgnoreResult))
        {
            json = _store.SerializeResult(result);
        }

        var write = _store.NewWrite(_task.Id, _task.TaskName, _queue, TaskState.Succeeded, _task.Retries + 1, _task.Headers.EntityKey, result: json);
        if (!await _store.Database.States.WriteInAsync(_connection!, transaction, write, CancellationToken.None).ConfigureAwait(false))
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        if (_store.Options.AfterAtomicCommit is { } hook)
        {
            await hook(_task.Id).ConfigureAwait(false);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is { } transaction)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _running.Dispose();
    }
}
