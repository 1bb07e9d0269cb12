using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TaskFlow.EfCore.Tests.Shop;

// <task-transaction>
/// <summary>Puts a DbContext on the running task's transaction (docs/efcore.md): copy this into your application.</summary>
public static class TaskTransactionExtensions
{
    /// <summary>
    /// Makes the context use the task's database transaction (<see cref="TaskContext.GetTransactionAsync(CancellationToken)"/>):
    /// what it saves commits together with the task's completion record when the task returns, and rolls back when
    /// it throws. Call it before the context's first query (it must not have opened a connection of its own yet).
    /// </summary>
    public static async Task UseTaskTransactionAsync(this DatabaseFacade database, TaskContext context, CancellationToken cancellationToken)
    {
        var transaction = await context.GetTransactionAsync(cancellationToken);
        database.SetDbConnection(transaction.Connection, contextOwnsConnection: false);  // the store opens and closes it
        await database.UseTransactionAsync(transaction, cancellationToken);
    }
}
// </task-transaction>
