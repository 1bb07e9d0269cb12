using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.RabbitMq;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>Message priorities on a classic queue declared with a maximum priority, against the real broker.</summary>
public sealed class PriorityTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_queue_with_a_maximum_priority_runs_urgent_tasks_before_the_backlog()
    {
        var queue = Broker.UniqueName("prio");
        void Rabbit(RabbitMqOptions o)
        {
            o.ExchangeName = queue + ".x";
            o.DeadLetterExchangeName = queue + ".dlx";
            o.QueueTypes[queue] = QueueType.Classic;
            o.MaxPriorities[queue] = 10;
        }

        // A backlog of 40 plain tasks, then 3 urgent ones ([Task(Priority = 9)]) and one made urgent by the call.
        await using (var sender = await TaskFlowTestHost.StartAsync(worker: false, configure: o => o.DefaultQueue = queue, rabbit: Rabbit))
        {
            var tasks = sender.Services.GetRequiredService<DeliveryTasks.Client>();
            for (var i = 0; i < 40; i++)
            {
                await tasks.Stamp.DelayAsync($"plain{i:00}");
            }

            for (var i = 0; i < 3; i++)
            {
                await tasks.Urgent.DelayAsync($"urgent{i}");
            }

            await tasks.Stamp.ApplyAsync("called-urgent", new SendOptions { Priority = 8 });
            // A call can also lower a task's declared priority.
            await tasks.Urgent.ApplyAsync("urgent-lowered", new SendOptions { Priority = 0 });
        }

        // One worker, one at a time: the four urgent ones first (priority 9, 9, 9, then 8), then the rest in order.
        await using var worker = await TaskFlowTestHost.StartAsync(
            configure: o => o.DefaultQueue = queue,
            configureWorker: w => w.AddQueue(queue, 1, 1),
            rabbit: Rabbit);
        await worker.Recorder.WaitForAsync(45, Timeout);
        var order = worker.Recorder.Records.Select(r => r.Key).ToList();
        order.Take(4).ShouldBe(new[] { "urgent0", "urgent1", "urgent2", "called-urgent" });
        order.Skip(4).Take(40).ShouldBe(Enumerable.Range(0, 40).Select(i => $"plain{i:00}"));
        order.Last().ShouldBe("urgent-lowered");

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue);
        await channel.QueueDeleteAsync(queue + ".dead");
    }

    [Fact]
    public async Task The_declared_priority_is_the_messages_amqp_priority_and_the_queue_gets_its_maximum()
    {
        var queue = Broker.UniqueName("prio2");
        await using var sender = await TaskFlowTestHost.StartAsync(worker: false, configure: o => o.DefaultQueue = queue, rabbit: o =>
        {
            o.QueueTypes[queue] = QueueType.Classic;
            o.MaxPriorities[queue] = 5;
        });
        var tasks = sender.Services.GetRequiredService<DeliveryTasks.Client>();
        await tasks.Urgent.DelayAsync("declared");
        await tasks.Stamp.DelayAsync("none");

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = await Broker.DrainAsync(channel, queue, 2, Timeout);
        messages.Count.ShouldBe(2);
        messages[0].BasicProperties.Priority.ShouldBe((byte)9); // above the queue's maximum: the broker orders it as 5 but keeps the property
        messages[1].BasicProperties.IsPriorityPresent().ShouldBeFalse();

        // The queue was declared with x-max-priority 5: declaring it with another maximum is refused.
        await using var probe = await connection.CreateChannelAsync();
        var refused = await Should.ThrowAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
            await probe.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new System.Collections.Generic.Dictionary<string, object?>
            {
                ["x-queue-type"] = "classic",
                ["x-dead-letter-exchange"] = sender.Options.DeadLetterExchangeName,
                ["x-dead-letter-routing-key"] = queue,
                ["x-max-priority"] = 7,
            }));
        refused.ShutdownReason!.ReplyText.ShouldContain("x-max-priority");
        await channel.QueueDeleteAsync(queue);
        await channel.QueueDeleteAsync(queue + ".dead");
    }
}
