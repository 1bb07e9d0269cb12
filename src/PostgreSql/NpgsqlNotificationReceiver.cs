using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using TaskFlow.State;

namespace TaskFlow.PostgreSql;

/// <summary>
/// Receives PostgreSQL notifications through Npgsql: the connection's <see cref="NpgsqlConnection.Notification"/>
/// event, raised while <see cref="NpgsqlConnection.WaitAsync(CancellationToken)"/> waits. Set by
/// <see cref="PostgreSqlStateOptionsExtensions.UsePostgreSqlNotifications"/>.
/// </summary>
public sealed class NpgsqlNotificationReceiver : IStateNotificationReceiver
{
    /// <summary>The one instance (it holds no state).</summary>
    public static NpgsqlNotificationReceiver Instance { get; } = new();

    private NpgsqlNotificationReceiver()
    {
    }

    /// <inheritdoc />
    public async Task ReceiveAsync(DbConnection connection, Action<string> received, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(received);
        var npgsql = connection as NpgsqlConnection
            ?? throw new InvalidOperationException($"TaskFlow: UsePostgreSqlNotifications needs the state store's connections to be Npgsql's, but the connection factory made a {connection.GetType().FullName}; use o.UsePostgreSql(NpgsqlDataSource) or remove UsePostgreSqlNotifications.");
        NotificationEventHandler handler = (_, e) => received(e.Payload);
        npgsql.Notification += handler;
        try
        {
            while (true)
            {
                // Returns after each notification (the event is raised first); throws when the connection breaks.
                await npgsql.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            npgsql.Notification -= handler;
        }
    }
}
