using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Protocol;
using TaskFlow.RabbitMq;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>Publisher confirms correlated by TaskFlow itself (not RabbitMQ.Client's tracking), against the real broker.</summary>
public sealed class PublisherConfirmTests
{
    [Fact]
    public async Task Published_messages_carry_no_client_sequence_header_and_a_burst_is_all_confirmed()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);

        var sends = new Task<TaskHandle>[300];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = host.Tasks.Record.DelayAsync("burst", i).AsTask();
        }

        var ids = (await Task.WhenAll(sends)).Select(h => h.Id).ToList();
        ids.Distinct(StringComparer.Ordinal).Count().ShouldBe(300, "every send has its own task id");

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var seen = new List<string>();
        while (await channel.BasicGetAsync(host.Queue, autoAck: true) is { } message)
        {
            var id = message.BasicProperties.CorrelationId;
            id.ShouldNotBeNull();
            seen.Add(id);
            (message.BasicProperties.Headers ?? new Dictionary<string, object?>()).Keys
                .ShouldNotContain(MessageHeaders.PublishSequenceNumber, $"task {id} carries RabbitMQ.Client's sequence number");
        }

        seen.Count.ShouldBe(300);
        seen.ShouldBeUnique();
        seen.ShouldBe(ids, ignoreOrder: true);
    }

    [Fact]
    public async Task A_publish_the_broker_nacks_is_reported_not_enqueued_and_the_rest_of_the_burst_is_confirmed()
    {
        // A classic queue that holds 5 messages and refuses the rest (x-overflow reject-publish): the broker nacks those.
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o => o.DeclareTopology = false);
        await DeclareBoundQueueAsync(host, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "classic",
            ["x-max-length"] = 5,
            ["x-overflow"] = "reject-publish",
        });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                return ((TaskHandle?)await host.Tasks.Record.DelayAsync("capped", i), (TaskPublishException?)null);
            }
            catch (TaskPublishException ex)
            {
                return (null, ex);
            }
        }));

        var sent = outcomes.Where(o => o.Item1 is not null).Select(o => o.Item1!.Id).ToList();
        var refused = outcomes.Where(o => o.Item2 is not null).Select(o => o.Item2!).ToList();
        sent.Count.ShouldBe(5, "the queue takes 5");
        refused.Count.ShouldBe(15, "the broker nacks the rest");
        foreach (var error in refused)
        {
            error.ShouldNotBeOfType<TaskUnroutableException>();
            error.MayHaveBeenEnqueued.ShouldBeFalse();
            error.Message.ShouldContain("basic.nack");
            error.Message.ShouldContain("was not enqueued");
            error.TaskId.ShouldNotBeNullOrEmpty();
            error.Message.ShouldContain(error.TaskId!);
        }

        refused.Select(e => e.TaskId!).Concat(sent).ShouldBeUnique("each send reported once, under its own task id");

        await using var reader = await Broker.ConnectAsync();
        await using var read = await reader.CreateChannelAsync();
        (await read.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(5u);
        var arrived = new List<string>();
        while (await read.BasicGetAsync(host.Queue, autoAck: true) is { } message)
        {
            arrived.Add(message.BasicProperties.CorrelationId!);
        }

        arrived.ShouldBe(sent, ignoreOrder: true);
    }

    [Fact]
    public async Task Unroutable_publishes_in_a_burst_fail_alone()
    {
        // Topology managed by an operator: the task queue is bound, the routing key of every 4th send is not.
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o => o.DeclareTopology = false);
        await DeclareBoundQueueAsync(host);

        var nowhere = "nobody-listens-" + host.Queue[^8..];
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            try
            {
                var handle = i % 4 == 3
                    ? await host.Tasks.Record.ApplyAsync("mixed", i, new SendOptions { Queue = nowhere })
                    : await host.Tasks.Record.DelayAsync("mixed", i);
                return (i, (TaskHandle?)handle, (TaskPublishException?)null);
            }
            catch (TaskPublishException ex)
            {
                return (i, null, ex);
            }
        }));

        foreach (var (i, handle, error) in outcomes)
        {
            if (i % 4 == 3)
            {
                handle.ShouldBeNull($"send {i} to an unbound routing key was confirmed");
                var unroutable = error.ShouldBeOfType<TaskUnroutableException>($"send {i}");
                unroutable.Queue.ShouldBe(nowhere);
                unroutable.Message.ShouldContain("could not be routed");
                unroutable.MayHaveBeenEnqueued.ShouldBeFalse();
                unroutable.TaskId.ShouldNotBeNull($"send {i}: the error names its task");
                unroutable.Message.ShouldContain(unroutable.TaskId);
            }
            else
            {
                error.ShouldBeNull($"send {i} to the bound queue failed: {error?.Message}");
                handle.ShouldNotBeNull();
            }
        }

        var sent = outcomes.Where(o => o.Item2 is not null).Select(o => o.Item2!.Id).ToList();
        sent.Count.ShouldBe(45);
        var returned = outcomes.Where(o => o.Item3 is not null).Select(o => o.Item3!.TaskId!).ToList();
        returned.ShouldBeUnique("each unroutable send's error names its own task");
        returned.ShouldAllBe(id => !sent.Contains(id));

        await using var reader = await Broker.ConnectAsync();
        await using var read = await reader.CreateChannelAsync();
        var arrived = new List<string>();
        while (await read.BasicGetAsync(host.Queue, autoAck: true) is { } message)
        {
            arrived.Add(message.BasicProperties.CorrelationId!);
        }

        arrived.Count.ShouldBe(45);
        arrived.ShouldBe(sent, ignoreOrder: true);
    }

    [Fact]
    public async Task A_channel_the_broker_closes_mid_burst_never_reports_a_send_not_enqueued_that_arrived()
    {
        // The operator deletes the task exchange while a burst is being sent: the next publish's 404 closes its channel
        // while publishes written before it wait for their confirms. Those were routed and may be in the queue.
        // A window of 2 x 64, and the exchange deleted as the 100th send is confirmed, from that send's continuation: at most
        // 128 of the 2,000 are written and unconfirmed then, the rest still wait for room, so the burst outlasts the delete.
        // (Polling for the 100th confirm with the default window, 4 x 256 since stop 41, let the whole burst through before
        // the delete at times.)
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o =>
        {
            o.DeclareTopology = false;
            o.PublishChannels = 2;
            o.MaxUnconfirmedPublishesPerChannel = 64;
        });
        await DeclareBoundQueueAsync(host);
        await using var admin = await Broker.ConnectAsync();

        var confirmed = 0;
        Task? deleting = null;
        var sends = Enumerable.Range(0, 2000).Select(async i =>
        {
            try
            {
                var handle = await host.Tasks.Record.DelayAsync("doomed", i);
                if (Interlocked.Increment(ref confirmed) == 100)
                {
                    Volatile.Write(ref deleting, Task.Run(async () =>
                    {
                        await using var channel = await admin.CreateChannelAsync();
                        await channel.ExchangeDeleteAsync(host.Options.ExchangeName);
                    }));
                }

                return (Id: handle.Id, Error: (TaskPublishException?)null);
            }
            catch (TaskPublishException ex)
            {
                return (Id: ex.TaskId!, Error: ex);
            }
        }).ToList();

        var outcomes = await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60));
        var delete = Volatile.Read(ref deleting).ShouldNotBeNull("the 100th send was confirmed, and the exchange deleted then");
        await delete.WaitAsync(TimeSpan.FromSeconds(30));
        var arrived = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = await admin.CreateChannelAsync())
        {
            while (await read.BasicGetAsync(host.Queue, autoAck: true) is { } message)
            {
                arrived.Add(message.BasicProperties.CorrelationId!);
            }
        }

        outcomes.Count(o => o.Error is not null).ShouldBeGreaterThan(0, "sends after the exchange was deleted failed");
        outcomes.Where(o => o.Error is null).Select(o => o.Id).ShouldAllBe(id => arrived.Contains(id), "a confirmed send is in the queue");
        var notEnqueuedButArrived = outcomes.Where(o => o.Error is { MayHaveBeenEnqueued: false } && arrived.Contains(o.Id)).Select(o => o.Error!.Message).ToList();
        notEnqueuedButArrived.ShouldBeEmpty("a send told 'not enqueued' must not be in the queue");
    }

    /// <summary>Topology as an operator would manage it: the task exchange, the host's queue (with <paramref name="arguments"/>) bound by its name.</summary>
    private static async Task DeclareBoundQueueAsync(TaskFlowTestHost host, IDictionary<string, object?>? arguments = null)
    {
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(host.Options.ExchangeName, ExchangeType.Direct, durable: true);
        await channel.QueueDeclareAsync(host.Queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments);
        await channel.QueueBindAsync(host.Queue, host.Options.ExchangeName, host.Queue);
    }
}
