using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>Batch enqueue (<c>DelayManyAsync</c> / <c>ITaskClient.SendManyAsync</c>) against the real broker.</summary>
public sealed class BatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_batch_of_1000_sent_in_one_call_arrives_exactly_once_with_its_handles_in_order()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);
        var items = Enumerable.Range(0, 1000).Select(i => ("bulk", i)).ToList();

        var handles = await host.Tasks.Record.DelayManyAsync(items);

        handles.Count.ShouldBe(1000);
        handles.Select(h => h.Id).Distinct().Count().ShouldBe(1000);
        handles.ShouldAllBe(h => h.Queue == host.Queue && h.TaskName == "tests.record");
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = await Broker.DrainAsync(channel, host.Queue, 1000, Timeout);
        messages.Count.ShouldBe(1000, "every task once, none twice");
        var valueOf = messages.ToDictionary(m => m.BasicProperties.CorrelationId!, m => JsonDocument.Parse(m.Body).RootElement[0][1].GetInt32());
        for (var i = 0; i < handles.Count; i++)
        {
            valueOf[handles[i].Id].ShouldBe(i, $"handle {i} is the task of item {i}");
        }

        (await channel.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(0u);
    }

    [Fact]
    public async Task A_batch_with_an_invalid_item_sends_nothing()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);
        await host.Tasks.Record.DelayAsync("before", 0); // declares the queue
        var client = host.Services.GetRequiredService<ITaskClient>();
        var items = Enumerable.Range(0, 50)
            .Select(i => new TaskBatchItem<TestTasks.Client.RecordArguments>(
                new TestTasks.Client.RecordArguments("invalid", i),
                i == 37 ? new SendOptions { Countdown = TimeSpan.FromDays(400) } : null))
            .ToList();

        var tooFar = await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await client.SendManyAsync(TestTasks.Client.RecordDescriptor, items));
        tooFar.Message.ShouldContain("item 37");
        tooFar.Message.ShouldContain("nothing of the batch was sent");

        var twice = await Should.ThrowAsync<ArgumentException>(async () =>
            await host.Tasks.Record.ApplyManyAsync([("dup", 1), ("dup", 2)], new SendOptions { TaskId = "same-id" }));
        twice.Message.ShouldContain("item 1");

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await Task.Delay(500);
        (await channel.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(1u, "only the task sent before the batches");
    }

    [Fact]
    public async Task A_broker_side_failure_mid_batch_reports_every_items_outcome_and_loses_nothing()
    {
        // Topology managed by an operator: the exchange and the host's queue (bound) exist; nothing is bound for "nobody-listens-here".
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o => o.DeclareTopology = false);
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(host.Options.ExchangeName, ExchangeType.Direct, durable: true);
        await channel.QueueDeclareAsync(host.Queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(host.Queue, host.Options.ExchangeName, host.Queue);
        var client = host.Services.GetRequiredService<ITaskClient>();
        var items = Enumerable.Range(0, 200)
            .Select(i => new TaskBatchItem<TestTasks.Client.RecordArguments>(
                new TestTasks.Client.RecordArguments("mixed", i),
                i % 3 == 1 ? new SendOptions { Queue = "nobody-listens-here" } : null))
            .ToList();

        var error = await Should.ThrowAsync<TaskBatchException>(async () => await client.SendManyAsync(TestTasks.Client.RecordDescriptor, items));

        error.Message.ShouldContain("were not enqueued");
        error.Outcomes.Count.ShouldBe(200);
        error.Outcomes.Select(o => o.Index).ShouldBe(Enumerable.Range(0, 200));
        foreach (var outcome in error.Outcomes)
        {
            if (outcome.Index % 3 == 1)
            {
                outcome.Sent.ShouldBeFalse();
                outcome.Handle.ShouldBeNull();
                outcome.Error.ShouldBeOfType<TaskUnroutableException>().Queue.ShouldBe("nobody-listens-here");
            }
            else
            {
                outcome.Sent.ShouldBeTrue($"item {outcome.Index}: {outcome.Error}");
                outcome.Handle.ShouldNotBeNull().Id.ShouldBe(outcome.TaskId);
            }
        }

        error.Failed.Count.ShouldBe(67);
        error.Sent.Count.ShouldBe(133);
        error.MayHaveBeenEnqueued.ShouldBeFalse("a return is a definite no");
        var messages = await Broker.DrainAsync(channel, host.Queue, 133, Timeout);
        messages.Select(m => m.BasicProperties.CorrelationId!).Order().ShouldBe(error.Sent.Select(h => h.Id).Order(), "exactly the confirmed ones arrived");
    }
}
