using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// Opens the state store's connections from <see cref="TaskStateOptions.ConnectionFactory"/>. Every connection
/// but the schema's own waits until the schema is ready (<see cref="StateSchema.EnsureReadyAsync"/>).
/// </summary>
internal sealed class StateConnections
{
    private readonly Func<DbConnection> _factory;
    private readonly StateSchema _schema;

    public StateConnections(Func<DbConnection> factory, StateSchema schema)
    {
        _factory = factory;
        _schema = schema;
    }

    /// <summary>A new open connection, after the schema is ready.</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await OpenUncheckedAsync(_factory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new open connection from <paramref name="factory"/>, whatever the schema: for the schema's own statements.</summary>
    public static async ValueTask<DbConnection> OpenUncheckedAsync(Func<DbConnection> factory, CancellationToken cancellationToken)
    {
        var connection = factory() ?? throw new InvalidOperationException("TaskFlow state store: the connection factory returned null.");
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }
}
