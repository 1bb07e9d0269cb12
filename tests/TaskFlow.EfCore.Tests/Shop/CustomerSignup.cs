using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore.Storage;
using TaskFlow.State;

namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>The web request's part of a signup: the customer and its welcome email task, in one EF Core transaction.</summary>
public sealed class CustomerSignup(ShopDb db, ITaskStateStore taskStates)
{
    // <outbox>
    public async Task<int> RegisterAsync(string email, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var customer = new Customer { Email = email };
        db.Customers.Add(customer);
        await db.SaveChangesAsync(cancellationToken);                                  // the row, in the transaction

        var tasks = new ShopTasks.Client(taskStates.Outbox(transaction.GetDbTransaction()));
        await tasks.SendWelcomeEmail.DelayAsync(customer.Id, cancellationToken);     // the outbox row, same transaction

        await transaction.CommitAsync(cancellationToken);                              // customer and task, or neither
        return customer.Id;
    }
    // </outbox>

    /// <summary>
    /// The same steps, ending without a commit: <paramref name="rollBack"/> rolls back explicitly, else the transaction is
    /// disposed with the context's scope, as when the request fails between the enqueue and the commit.
    /// </summary>
    public async Task<int> RegisterWithoutCommitAsync(string email, bool rollBack, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var customer = new Customer { Email = email };
        db.Customers.Add(customer);
        await db.SaveChangesAsync(cancellationToken);

        var tasks = new ShopTasks.Client(taskStates.Outbox(transaction.GetDbTransaction()));
        await tasks.SendWelcomeEmail.DelayAsync(customer.Id, cancellationToken);
        if (rollBack)
        {
            await transaction.RollbackAsync(cancellationToken);
            await transaction.DisposeAsync();
        }

        return customer.Id;
    }
}
