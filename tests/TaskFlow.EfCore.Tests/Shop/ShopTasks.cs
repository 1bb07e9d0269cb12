using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>The shop's background tasks (queue: the test's default queue).</summary>
public static partial class ShopTasks
{
    /// <summary>Sends the welcome email of a new customer (records it). Sent through the outbox by <see cref="CustomerSignup"/>.</summary>
    [Task]
    public static Task SendWelcomeEmail(int customerId, [FromServices] WelcomeEmails emails)
    {
        emails.Send(customerId);
        return Task.CompletedTask;
    }

    // <award-points>
    /// <summary>
    /// Awards the points of an order. The row is saved in the task's transaction, which also records the task as
    /// succeeded: both commit when the task returns, or neither. A second delivery of the same task finds it succeeded
    /// and is skipped; if it raced the first, its completion finds the record final and its transaction (with its row)
    /// is rolled back. Either way: one row.
    /// </summary>
    [Task]
    public static async Task AwardPoints(int customerId, long orderId, int points, [FromServices] ShopDb db, TaskContext context, CancellationToken cancellationToken)
    {
        await db.Database.UseTaskTransactionAsync(context, cancellationToken);
        db.Points.Add(new PointsEntry { CustomerId = customerId, OrderId = orderId, Points = points });
        await db.SaveChangesAsync(cancellationToken);
        if (points < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(points), points, "Points are never negative.");  // after the save: rolled back with it
        }
    }
    // </award-points>
}
