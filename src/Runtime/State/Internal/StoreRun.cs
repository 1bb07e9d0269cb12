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
/// was not committed (the task threw) and ends the tracking. Progress reports are written at most once per
/// <see cref="TaskStateOptions.ProgressInterval"/> (the latest report wins; the last one is written when the run ends);
/// checkpoints go into the task's transaction when it opened one.
/// </summary>
internal sealed class StoreRun : IRunRecord
{
    private readonly TaskStateStore _store;
    private readonly RunningTasks.Running _running;
    private readonly IncomingTask _task;
    private readonly string _queue;
    private readonly object _progressSync = new();
    private CancellationTokenSource? _flushNow; // with the first progress report: most runs report none
    private DbConnection? _connection;
    private DbTransaction? _transaction;
    private TaskProgress? _pendingProgress;
    private TaskProgress? _latestProgress;
    private Task? _progressFlush;
    private long _lastProgressWrite;
    private bool _ended;

    public StoreRun(TaskStateStore store, RunningTasks.Running running, IncomingTask task, string queue)
    {
        _store = store;
        _running = running;
        _task = task;
        _queue = queue;
    }

    public CancellationToken Cancellation => _running.Cancellation.Token;

    public string TaskId => _task.Id;

    /// <summary>Cancels the run's token without calling it revoked (its lease was lost).</summary>
    public void Abort()
    {
        try
        {
            _running.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the run is over
        }
    }

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

        // The last progress report goes into the same transaction: once the record is final, no later write may change it.
        TaskProgress? latest;
        lock (_progressSync)
        {
            latest = _latestProgress;
            _pendingProgress = null;
        }

        if (latest is not null)
        {
            await _store.Database.States.WriteProgressInAsync(ProgressWrite(latest), _connection!, transaction, CancellationToken.None).ConfigureAwait(false);
        }

        var write = _store.NewWrite(_task.Id, _task.TaskName, _queue, TaskState.Succeeded, _task.Attempt, _task.Headers.EntityKey, result: json).WithLineageOf(_task.Headers);
        if (!_store.Options.RecordStarted)
        {
            write.WithMessageOf(_task.Headers, _store.DescriptorOf(_task.Headers)); // no started record held them
        }

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

    public ValueTask ReportProgressAsync(TaskProgress progress, CancellationToken cancellationToken)
    {
        lock (_progressSync)
        {
            if (_ended)
            {
                return ValueTask.CompletedTask;
            }

            // The latest report wins; one flush loop writes it when the interval since the last write has passed.
            _pendingProgress = progress;
            _latestProgress = progress;
            if (_progressFlush is null)
            {
                _flushNow ??= new CancellationTokenSource();
                _progressFlush = Task.Run(FlushProgressAsync, CancellationToken.None);
            }
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask SaveCheckpointAsync(string json, CancellationToken cancellationToken)
    {
        var write = NewRunWrite();
        write.Checkpoint = json;
        await _store.Database.States.WriteCheckpointAsync(write, _connection, _transaction, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<string?> LoadCheckpointAsync(CancellationToken cancellationToken) =>
        await _store.Database.States.ReadCheckpointAsync(_task.Id, _connection, _transaction, cancellationToken).ConfigureAwait(false);

    private RunWrite NewRunWrite()
    {
        var now = _store.Database.Now;
        return new RunWrite
        {
            TaskId = _task.Id,
            TaskName = _task.TaskName,
            Queue = _queue,
            Attempts = _task.Attempt,
            Worker = _store.WorkerName,
            Now = now,
            ExpiresAt = now + _store.Options.UnfinishedExpiry,
        };
    }

    private RunWrite ProgressWrite(TaskProgress progress)
    {
        var write = NewRunWrite();
        write.Done = progress.Done;
        write.Total = progress.Total;
        write.Message = progress.Message is { Length: > 1000 } text ? text[..1000] + "..." : progress.Message;
        return write;
    }

    private async Task FlushProgressAsync()
    {
        var time = _store.Database.Time;
        while (true)
        {
            var wait = _store.Options.ProgressInterval - time.GetElapsedTime(_lastProgressWrite);
            if (wait > TimeSpan.Zero && _lastProgressWrite != 0)
            {
                try
                {
                    await Task.Delay(wait, time, _flushNow!.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // the run ended: write the last report now
                }
            }

            TaskProgress? next;
            lock (_progressSync)
            {
                next = _pendingProgress;
                _pendingProgress = null;
                if (next is null)
                {
                    _progressFlush = null;
                    return;
                }
            }

            try
            {
                await _store.Database.States.WriteProgressAsync(ProgressWrite(next), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Progress is for people watching: a failed write is logged, the task goes on.
                StateLog.MaintenanceFailed(_store.Logger, ex, "progress of " + _task.Id);
            }

            _lastProgressWrite = time.GetTimestamp();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // First the task's transaction (rolled back unless committed): a checkpoint written in it holds the state row,
        // which the last progress write below needs.
        if (_transaction is { } transaction)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        Task? flush;
        lock (_progressSync)
        {
            _ended = true;
            flush = _progressFlush;
        }

        if (flush is not null)
        {
            await _flushNow!.CancelAsync().ConfigureAwait(false);
            await flush.ConfigureAwait(false);
        }

        _flushNow?.Dispose();
        _running.Dispose();
    }
}
