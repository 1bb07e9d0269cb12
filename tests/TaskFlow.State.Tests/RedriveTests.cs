using System;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// Dead letters moved back to their queue (an operator's shovel or "move messages") run once more with the state store
/// on: the failed or dead-lettered record is reopened, once, however many copies the re-drive made.
/// </summary>
public sealed class RedriveTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_dead_letter_moved_back_to_its_queue_runs_once_more_even_when_it_was_moved_twice(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var key = Guid.NewGuid().ToString("N");
        var handle = await host.Tasks.FailOnce.ApplyAsync(key, host.Options());
        var failed = await host.Store.WaitAsync(handle.Id, Timeout);
        failed.State.ShouldBeOneOf(TaskState.DeadLettered, TaskState.Failed);

        // The re-drive, interrupted and repeated: the dead letter is put back twice, headers and body as they are.
        await RedriveAsync(host, copies: 2);

        await Eventually.UntilAsync(async () => (await host.Store.GetAsync(handle.Id))?.State == TaskState.Succeeded, Timeout, "the re-driven task succeeded");
        await Task.Delay(1000); // time for the second copy to arrive and be skipped
        var info = (await host.Store.GetAsync(handle.Id)).ShouldNotBeNull();
        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(2, "the re-drive is the second run");
        info.Error.ShouldBeNull();
        StateTasks.Runs[key].ShouldBe(2, "one failure, one re-driven run: the second copy was skipped");
    }

    [Fact]
    public async Task A_re_driven_dead_letter_whose_record_cannot_be_reopened_is_sent_round_and_runs_once_the_store_is_back()
    {
        // The state store fails the reopen (here a trigger refuses it; in CI it was the database failing under load): the
        // copy must neither run beside a record that says failed, nor be lost, nor be held unacked.
        var logs = new CapturingLoggerProvider();
        await using var host = await StateHost.StartAsync("postgresql", steps: b => b.Services.AddSingleton<ILoggerProvider>(logs));
        var key = Guid.NewGuid().ToString("N");
        var handle = await host.Tasks.FailOnce.ApplyAsync(key, host.Options());
        (await host.Store.WaitAsync(handle.Id, Timeout)).State.ShouldBeOneOf(TaskState.DeadLettered, TaskState.Failed);

        await using (var db = await host.Database.OpenAsync())
        {
            await db.ExecuteAsync(
                $"CREATE FUNCTION {host.Schema}.refuse_reopen() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'reopen refused on purpose'; END $f$; " +
                $"CREATE TRIGGER refuse_reopen BEFORE UPDATE ON {host.Schema}.task_state FOR EACH ROW WHEN (NEW.state = 0 AND OLD.state IN (11, 14)) EXECUTE FUNCTION {host.Schema}.refuse_reopen();");
        }

        await RedriveAsync(host);
        await Eventually.UntilAsync(() => Task.FromResult(logs.Events.Any(e => e.Id == 5016 && e.Message.Contains(handle.Id, StringComparison.Ordinal))), Timeout, "the failed reopen logged");
        await Task.Delay(1000);
        StateTasks.Runs[key].ShouldBe(1, "not run while its record could not be reopened");
        (await host.Store.GetAsync(handle.Id))!.State.ShouldBeOneOf(TaskState.DeadLettered, TaskState.Failed);

        await using (var db = await host.Database.OpenAsync())
        {
            await db.ExecuteAsync($"DROP TRIGGER refuse_reopen ON {host.Schema}.task_state");
        }

        // Sent round, it comes back (about 5 s after the failed reopen) and runs now that the store can reopen it.
        await Eventually.UntilAsync(async () => (await host.Store.GetAsync(handle.Id))?.State == TaskState.Succeeded, Timeout, "the re-driven task succeeded once the store was back");
        var info = (await host.Store.GetAsync(handle.Id)).ShouldNotBeNull();
        info.Attempts.ShouldBe(2);
        StateTasks.Runs[key].ShouldBe(2);
        logs.Events.ShouldNotContain(e => e.Id == 3016, "a store failure is not a processing error: no delivery failed unexpectedly");
        logs.Events.Count(e => e.Id == 5016).ShouldBeLessThanOrEqualTo(2, "looked at again after 5 s, not spun");
    }

    /// <summary>Moves the queue's one dead letter back to the queue (<paramref name="copies"/> times), headers and body as they are.</summary>
    private static async Task RedriveAsync(StateHost host, int copies = 1)
    {
        var factory = new ConnectionFactory { Uri = TestEnvironment.BrokerUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? dead = null;
        var deadline = DateTime.UtcNow + Timeout;
        while (dead is null && DateTime.UtcNow < deadline)
        {
            dead = await channel.BasicGetAsync(host.Queue + ".dead", autoAck: true);
            if (dead is null)
            {
                await Task.Delay(50);
            }
        }

        dead.ShouldNotBeNull("the failed task is in the dead-letter queue");
        var properties = new BasicProperties(dead.BasicProperties);
        for (var i = 0; i < copies; i++)
        {
            await channel.BasicPublishAsync("", host.Queue, mandatory: true, properties, dead.Body);
        }
    }
}
