using System;
using System.Linq;
using System.Threading.Tasks;
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
        var factory = new ConnectionFactory { Uri = TestEnvironment.BrokerUri };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
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
            await channel.BasicPublishAsync("", host.Queue, mandatory: true, properties, dead.Body);
            await channel.BasicPublishAsync("", host.Queue, mandatory: true, properties, dead.Body);
        }

        await Eventually.UntilAsync(async () => (await host.Store.GetAsync(handle.Id))?.State == TaskState.Succeeded, Timeout, "the re-driven task succeeded");
        await Task.Delay(1000); // time for the second copy to arrive and be skipped
        var info = (await host.Store.GetAsync(handle.Id)).ShouldNotBeNull();
        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(2, "the re-drive is the second run");
        info.Error.ShouldBeNull();
        StateTasks.Runs[key].ShouldBe(2, "one failure, one re-driven run: the second copy was skipped");
    }
}
