using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.EfCore.Tests.Shop;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.EfCore.Tests;

/// <summary>
/// A task's EF Core work in the task's transaction (docs/efcore.md, <see cref="ShopTasks.AwardPoints"/>): the row and the
/// task's completion record commit together, so the same task delivered twice leaves one row; a task that throws after
/// saving leaves none.
/// </summary>
public sealed class TaskWorkInEfCoreTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_same_task_delivered_twice_saves_its_row_once()
    {
        await using var shop = await ShopHost.StartAsync();
        var tasks = shop.Services.GetRequiredService<ShopTasks.Client>();

        // One task id, two messages, a worker with two slots: the deliveries may run one after the other or at once.
        var options = new SendOptions { TaskId = "award-" + Guid.NewGuid().ToString("N") };
        await tasks.AwardPoints.ApplyAsync(7, 1001, 25, options);
        await tasks.AwardPoints.ApplyAsync(7, 1001, 25, options);
        await shop.Summaries.WaitForAsync(options.TaskId, count: 2, Timeout);

        var rows = await shop.ReadAsync(db => db.Points.Where(p => p.OrderId == 1001).ToListAsync());
        rows.ShouldHaveSingleItem().Points.ShouldBe(25);
        (await shop.Store.GetAsync(options.TaskId)).ShouldNotBeNull().State.ShouldBe(TaskState.Succeeded);

        // A task of another order is not caught by the first one's record: a row of its own.
        var next = new SendOptions { TaskId = "award-" + Guid.NewGuid().ToString("N") };
        await tasks.AwardPoints.ApplyAsync(7, 1002, 4, next);
        await shop.Summaries.WaitForAsync(next.TaskId, count: 1, Timeout);
        (await shop.ReadAsync(db => db.Points.SumAsync(p => p.Points))).ShouldBe(29);
        (await shop.ReadAsync(db => db.Points.CountAsync())).ShouldBe(2);
    }

    [Fact]
    public async Task A_task_that_throws_after_saving_leaves_no_row()
    {
        await using var shop = await ShopHost.StartAsync();
        var tasks = shop.Services.GetRequiredService<ShopTasks.Client>();

        var options = new SendOptions { TaskId = "award-" + Guid.NewGuid().ToString("N") };
        await tasks.AwardPoints.ApplyAsync(7, 2001, -5, options);
        await Eventually.UntilAsync(async () => (await shop.Store.GetAsync(options.TaskId))?.State == TaskState.Failed, Timeout, "the task failed");

        (await shop.ReadAsync(db => db.Points.CountAsync())).ShouldBe(0, "the saved row was rolled back with the task's transaction");
        (await shop.Store.GetAsync(options.TaskId)).ShouldNotBeNull().Error.ShouldNotBeNull().ShouldContain("ArgumentOutOfRangeException");
    }
}
