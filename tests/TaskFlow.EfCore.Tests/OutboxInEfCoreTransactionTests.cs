using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.EfCore.Tests.Shop;
using TaskFlow.State;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.EfCore.Tests;

/// <summary>
/// TaskFlow's outbox inside a DbContext's transaction (docs/efcore.md, <see cref="CustomerSignup.RegisterAsync"/>): the
/// customer row and the outbox row commit together and the relay sends the task once; rolled back, or abandoned by
/// disposing the context before the commit, neither exists and nothing is sent.
/// </summary>
public sealed class OutboxInEfCoreTransactionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Committed_the_customer_is_stored_and_the_relay_sends_its_task_once()
    {
        await using var shop = await ShopHost.StartAsync();

        int customerId;
        await using (var request = shop.NewScope())
        {
            customerId = await request.ServiceProvider.GetRequiredService<CustomerSignup>().RegisterAsync("ada@example.com", default);
        }

        await Eventually.UntilAsync(() => Task.FromResult(shop.Emails.CountFor(customerId) > 0), Timeout, "the welcome email task ran");
        var task = (await shop.Store.QueryTasksAsync(new TaskQuery())).Tasks.ShouldHaveSingleItem("one task recorded: the outbox's pending record, then its run");
        await shop.Summaries.WaitForAsync(task.TaskId, count: 1, Timeout);
        await Eventually.UntilAsync(async () => (await shop.Store.GetOutboxStatusAsync()).Pending == 0, Timeout, "the outbox is empty");

        // Sent once: a relay pass finds nothing left, the worker settled one delivery, the task ran once.
        (await shop.Services.GetRequiredService<TaskStateStore>().PublishOutboxAsync()).ShouldBe(0);
        (await shop.Store.GetAsync(task.TaskId)).ShouldNotBeNull().State.ShouldBe(TaskState.Succeeded);
        shop.Summaries.For(task.TaskId).ShouldHaveSingleItem();
        shop.Emails.Sent.ShouldBe([customerId]);
        (await shop.ReadAsync(db => db.Customers.Select(c => c.Email).ToListAsync())).ShouldBe(["ada@example.com"]);
    }

    [Theory]
    [InlineData(true)]   // RollbackAsync
    [InlineData(false)]  // the request fails between the enqueue and the commit: its scope disposes the context
    public async Task Not_committed_neither_the_customer_nor_the_task_exists_and_nothing_is_sent(bool rollBack)
    {
        await using var shop = await ShopHost.StartAsync();

        int abandoned;
        await using (var request = shop.NewScope())
        {
            abandoned = await request.ServiceProvider.GetRequiredService<CustomerSignup>().RegisterWithoutCommitAsync("lost@example.com", rollBack, default);
            abandoned.ShouldBeGreaterThan(0, "the customer was saved in the transaction");
        }

        (await shop.ReadAsync(db => db.Customers.CountAsync())).ShouldBe(0, "no customer row");
        (await shop.Store.GetOutboxStatusAsync()).Pending.ShouldBe(0, "no outbox row");
        (await shop.Store.QueryTasksAsync(new TaskQuery())).Tasks.ShouldBeEmpty("no pending record");
        (await shop.Services.GetRequiredService<TaskStateStore>().PublishOutboxAsync()).ShouldBe(0, "nothing for a relay to send");

        // A signup committed afterwards goes through; by the time its task has run, the abandoned one would have too.
        int committed;
        await using (var request = shop.NewScope())
        {
            committed = await request.ServiceProvider.GetRequiredService<CustomerSignup>().RegisterAsync("grace@example.com", default);
        }

        await Eventually.UntilAsync(() => Task.FromResult(shop.Emails.CountFor(committed) > 0), Timeout, "the committed signup's task ran");
        await Eventually.UntilAsync(async () => (await shop.Store.GetOutboxStatusAsync()).Pending == 0, Timeout, "the outbox is empty");
        shop.Emails.Sent.ShouldBe([committed], "only the committed signup's task was sent");
        (await shop.Store.QueryTasksAsync(new TaskQuery())).Tasks.ShouldHaveSingleItem();
        (await shop.ReadAsync(db => db.Customers.Select(c => c.Email).ToListAsync())).ShouldBe(["grace@example.com"]);
    }
}
