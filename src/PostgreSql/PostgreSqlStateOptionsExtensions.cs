using System;
using TaskFlow.PostgreSql;

namespace TaskFlow.State;

/// <summary><c>o.UsePostgreSqlNotifications()</c> in <c>AddStateStore</c>: waiters hear of results through PostgreSQL's notifications.</summary>
public static class PostgreSqlStateOptionsExtensions
{
    /// <summary>
    /// <see cref="TaskStateStore.WaitAsync"/> (and the handles' <c>WaitAsync</c>) waits for PostgreSQL's notification of
    /// the task's final state instead of polling: one listening connection per store, a safety read every
    /// <see cref="TaskStateOptions.WaitPollInterval"/>. Call after <c>UsePostgreSql(...)</c> with Npgsql connections
    /// (an <c>NpgsqlDataSource</c> without multiplexing). E.g.
    /// <c>.AddStateStore(o => o.UsePostgreSql(dataSource).UsePostgreSqlNotifications())</c>.
    /// </summary>
    public static TaskStateOptions UsePostgreSqlNotifications(this TaskStateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Notifications = NpgsqlNotificationReceiver.Instance;
        return options;
    }
}
