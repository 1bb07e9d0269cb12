using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State;

/// <summary>
/// A database provider's way of receiving notifications on an open connection, which ADO.NET has no API for
/// (<see cref="TaskStateOptions.Notifications"/>). The store opens the connection, subscribes it (PostgreSQL:
/// <c>LISTEN</c>) and hands it to <see cref="ReceiveAsync"/>, one connection per store. TaskFlow.PostgreSql's
/// <c>UsePostgreSqlNotifications()</c> sets one over Npgsql.
/// </summary>
public interface IStateNotificationReceiver
{
    /// <summary>
    /// Passes the payload of every notification that arrives on <paramref name="connection"/> to
    /// <paramref name="received"/>, until <paramref name="cancellationToken"/> is cancelled (then returns or throws
    /// <see cref="OperationCanceledException"/>) or the connection fails (then throws: the store reconnects).
    /// </summary>
    /// <param name="connection">An open connection of the store's connection factory, already subscribed.</param>
    /// <param name="received">Called with each notification's payload; returns at once.</param>
    /// <param name="cancellationToken">Cancelled when the store is disposed.</param>
    Task ReceiveAsync(DbConnection connection, Action<string> received, CancellationToken cancellationToken);
}
