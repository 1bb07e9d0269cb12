using System;
using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// The connection a batch loop (the state reader's, the state writer's) keeps open from one batch to the next, so that
/// a busy loop does not hand it back to the pool and take it again per batch: each return costs the database a session
/// reset (Npgsql's <c>DISCARD ALL</c>-style reset on the next open, measured at about 8 us of PostgreSQL CPU per task at
/// full load). It is closed when the loop has waited <see cref="IdleClose"/> for work, when a batch fails (it may be
/// broken), and when the loop ends. Used by its loop only, one batch at a time.
/// </summary>
internal sealed class HeldConnection : IAsyncDisposable
{
    /// <summary>How long an idle loop keeps its connection.</summary>
    public static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(2);

    private readonly StateConnections _connections;
    private DbConnection? _connection;
    private CancellationTokenSource _idle = new();

    public HeldConnection(StateConnections connections)
    {
        _connections = connections;
    }

    /// <summary>Whether a connection is held now.</summary>
    public bool IsHeld => _connection is not null;

    /// <summary>The held connection when it is still open, else a new one (after the schema is ready).</summary>
    public async ValueTask<DbConnection> GetAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: ConnectionState.Open } open)
        {
            return open;
        }

        await DropAsync().ConfigureAwait(false);
        _connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        return _connection;
    }

    /// <summary>Closes the held connection (back to the pool), if any.</summary>
    public async ValueTask DropAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the loop's next work like <see cref="ChannelReader{T}.WaitToReadAsync"/>; while it waits longer than
    /// <see cref="IdleClose"/> with a connection held, closes it. Work already queued (the busy case) costs nothing
    /// more; an idle wait re-arms one reused timer.
    /// </summary>
    public async ValueTask<bool> WaitToReadAsync<T>(ChannelReader<T> reader)
    {
        if (!IsHeld || reader.TryPeek(out _))
        {
            return await reader.WaitToReadAsync().ConfigureAwait(false);
        }

        if (!_idle.TryReset())
        {
            _idle.Dispose();
            _idle = new CancellationTokenSource();
        }

        _idle.CancelAfter(IdleClose);
        try
        {
            return await reader.WaitToReadAsync(_idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_idle.IsCancellationRequested)
        {
            await DropAsync().ConfigureAwait(false);
            return await reader.WaitToReadAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _idle.Dispose();
        return DropAsync();
    }
}
