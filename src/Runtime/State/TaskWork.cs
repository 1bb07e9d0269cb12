using System;
using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State;

/// <summary>
/// The database transaction of one task run (from <see cref="TaskContext.GetTransactionAsync"/>): opened on
/// first use; the runtime writes the task's completion record in it and commits it when the task returns, or
/// rolls it back when the task throws. Do not commit or roll it back yourself.
/// </summary>
internal sealed class TaskWork : IAsyncDisposable
{
    private readonly TaskStateStore _store;
    private DbConnection? _connection;

    public TaskWork(TaskStateStore store)
    {
        _store = store;
    }

    public DbTransaction? Transaction { get; private set; }

    public DbConnection? Connection => _connection;

    public async ValueTask<DbTransaction> GetTransactionAsync(IsolationLevel isolation, CancellationToken cancellationToken)
    {
        if (Transaction is { } existing)
        {
            return existing;
        }

        _connection = await _store.Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        Transaction = await _connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        return Transaction;
    }

    public async ValueTask DisposeAsync()
    {
        if (Transaction is { } transaction)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
