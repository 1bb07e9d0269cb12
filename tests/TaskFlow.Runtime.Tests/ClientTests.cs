using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskFlow.RabbitMq;
using RabbitMQ.Client;
using Shouldly;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.Runtime.Tests;

/// <summary>Publishing guarantees, eager mode and start-up validation.</summary>
public sealed class ClientTests
{
    [Fact]
    public async Task Unroutable_publish_throws_instead_of_being_dropped()
    {
        // Topology managed by an operator: the exchange exists but no queue is bound for this routing key.
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o => o.DeclareTopology = false);
        await using (var connection = await Broker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync(host.Options.ExchangeName, ExchangeType.Direct, durable: true);
            await channel.QueueDeclareAsync(host.Queue, durable: true, exclusive: false, autoDelete: false);
        }

        var error = await Should.ThrowAsync<TaskUnroutableException>(async () =>
            await host.Tasks.Record.ApplyAsync("lost?", 1, new SendOptions { Queue = "nobody-listens-here" }));

        error.Queue.ShouldBe("nobody-listens-here");
        error.Message.ShouldContain("could not be routed");
        error.MayHaveBeenEnqueued.ShouldBeFalse();
        error.TaskId.ShouldNotBeNull("the error names the task that was returned");
        error.Message.ShouldContain(error.TaskId);
    }

    [Fact]
    public async Task Publisher_declares_the_topology_so_tasks_sent_before_any_worker_wait_in_the_queue()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);

        await host.Tasks.Record.DelayAsync("early", 1);
        await host.Tasks.Record.DelayAsync("early", 2);

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        (await channel.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(2u);
        (await channel.QueueDeclarePassiveAsync(host.Options.DeadLetterQueueOf(host.Queue))).MessageCount.ShouldBe(0u);
    }

    [Fact]
    public async Task Concurrent_publishes_are_all_confirmed()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);

        var sends = new Task<TaskHandle>[2000];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = host.Tasks.Record.DelayAsync("bulk", i).AsTask();
        }

        await Task.WhenAll(sends);

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        (await channel.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(2000u);
    }

    [Fact]
    public async Task A_caller_that_blocks_on_another_send_right_after_its_await_does_not_stall_the_publisher()
    {
        // The code after `await DelayAsync` runs on the work item that completes its ack frame's confirms, never on the
        // thread that reads the connection (docs/delivery.md, "Publishing"). A caller that blocks there on a second send
        // gets it confirmed, in a later frame read meanwhile; on the reader it would wait for the reader itself.
        var host = await TaskFlowTestHost.StartAsync(worker: false);
        await host.Tasks.Record.DelayAsync("warm", 0); // the lanes are open

        var blocked = Task.Run(async () =>
        {
            await host.Tasks.Record.DelayAsync("first", 1).ConfigureAwait(false);
            return host.Tasks.Record.DelayAsync("second", 2).AsTask().Wait(TimeSpan.FromSeconds(20)); // blocks where the first resumed
        });

        var confirmed = await blocked.WaitAsync(TimeSpan.FromSeconds(40));
        // Asserted before the host is disposed: with the reader stuck, disposing would fail first and hide why.
        confirmed.ShouldBeTrue("the second send was not confirmed while the first's caller blocked");
        await using var disposeHost = host;
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        (await channel.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(3u);
    }

    [Fact]
    public async Task Concurrent_publishes_each_carry_their_own_body_though_bodies_are_pooled()
    {
        // Each send's body is in a pooled array given back after its confirm: a body published after its array went
        // to another send would carry that send's arguments. Lengths vary so that sends share the pool's size classes.
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);
        const int count = 2000;
        var sends = new Task<TaskHandle>[count];
        for (var i = 0; i < count; i++)
        {
            sends[i] = host.Tasks.Record.DelayAsync(new string('k', i % 300), i).AsTask();
        }

        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            expected.Add((await sends[i]).Id, i);
        }

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var seen = 0;
        while (await channel.BasicGetAsync(host.Queue, autoAck: true) is { } message)
        {
            var i = expected[message.BasicProperties.CorrelationId!];
            using var body = System.Text.Json.JsonDocument.Parse(message.Body);
            body.RootElement[0].GetRawText().ShouldBe($"[\"{new string('k', i % 300)}\",{i}]", $"the body of task {i}");
            seen++;
        }

        seen.ShouldBe(count);
    }

    [Fact]
    public async Task Publishing_while_the_broker_is_unreachable_waits_a_bounded_time_then_fails_clearly()
    {
        // Nothing listens on port 1: every attempt fails as "unreachable" and is retried until the bound.
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o =>
        {
            o.ConnectionUri = new Uri("amqp://guest:guest@127.0.0.1:1/");
            o.PublishRetryTimeout = TimeSpan.FromSeconds(1);
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = await Should.ThrowAsync<TaskPublishException>(async () => await host.Tasks.Record.DelayAsync("never", 1));

        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        error.Message.ShouldContain("stayed unreachable for 1 s (RabbitMqOptions.PublishRetryTimeout)");
        error.Message.ShouldContain("was not enqueued");
        error.MayHaveBeenEnqueued.ShouldBeFalse("no try reached a broker");
        error.TaskId.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_publish_whose_confirm_times_out_says_it_may_have_been_enqueued_and_names_the_task()
    {
        // Under load a publish can also time out before its 1 MB were all written (then the broker drops the partial
        // message, and "may have been enqueued" is still the honest answer): up to three rounds, one of which must show a
        // timed-out task that reached the queue.
        var rounds = new List<string>();
        for (var round = 1; round <= 3; round++)
        {
            if (await TimedOutPublishReachesTheQueueAsync())
            {
                return;
            }

            rounds.Add($"round {round}: the timed-out task was not in the queue");
        }

        rounds.ShouldBeEmpty("no task whose confirm timed out reached the queue in three rounds");
    }

    private static async Task<bool> TimedOutPublishReachesTheQueueAsync()
    {
        // 1 MB messages: writing, storing and confirming one takes longer than 1 ms, so their confirms time out,
        // although the broker takes the messages (small ones on a classic queue were confirmed within 1 ms at times).
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o => o.PublishTimeout = TimeSpan.FromMilliseconds(1));
        await host.Tasks.Record.DelayAsync("warm-up", 0).AsTask().ContinueWith(_ => { }); // topology declared, whatever the confirm did

        // All 20 are sent: under load some time out before they were written (the broker drops those), so every timed-out
        // task counts, and one of them reaching the queue is the proof.
        var errors = new List<TaskPublishException>();
        for (var i = 1; i <= 20; i++)
        {
            try
            {
                await host.Tasks.Record.DelayAsync(new string('m', 1_000_000), i);
            }
            catch (TaskPublishException ex)
            {
                errors.Add(ex);
            }
        }

        // A lane still opening its channel gives up at the same 1 ms: that send was not published at all.
        var notOpened = errors.Where(e => e.Message.Contains("channel.open", StringComparison.Ordinal)).ToList();
        foreach (var error in notOpened)
        {
            error.MayHaveBeenEnqueued.ShouldBeFalse();
            error.Message.ShouldContain("was not enqueued");
        }

        errors = errors.Except(notOpened).ToList();
        errors.ShouldNotBeEmpty("20 publishes with a 1 ms confirm timeout all confirmed in time");
        foreach (var error in errors)
        {
            error.MayHaveBeenEnqueued.ShouldBeTrue();
            error.Message.ShouldContain("may not have been enqueued");
            error.TaskId.ShouldNotBeNullOrEmpty();
            error.Message.ShouldContain(error.TaskId!);
        }

        // And in fact it was: the message is in the queue (what the fault tests saw: "failed" sends that ran). The queue
        // is read until it stays empty for a second.
        var timedOut = errors.Select(e => e.TaskId!).ToHashSet(StringComparer.Ordinal);
        var arrived = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var lastMessage = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline && DateTime.UtcNow - lastMessage < TimeSpan.FromSeconds(1))
        {
            var message = await channel.BasicGetAsync(host.Queue, autoAck: true);
            if (message is null)
            {
                await Task.Delay(50);
                continue;
            }

            lastMessage = DateTime.UtcNow;
            var id = message.BasicProperties.CorrelationId
                ?? (message.BasicProperties.Headers?.TryGetValue("id", out var header) == true && header is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null);
            if (id is not null)
            {
                arrived.Add(id);
            }
        }

        notOpened.Select(e => e.TaskId!).Where(arrived.Contains).ShouldBeEmpty("a send told 'not enqueued' reached the queue");
        return timedOut.Overlaps(arrived);
    }

    [Fact]
    public async Task Publishes_past_the_buffer_bound_fail_at_once_while_the_broker_is_unreachable()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o =>
        {
            o.ConnectionUri = new Uri("amqp://guest:guest@127.0.0.1:1/");
            o.PublishRetryTimeout = TimeSpan.FromSeconds(3);
            o.MaxBufferedPublishes = 2;
        });

        var sends = Enumerable.Range(0, 6).Select(i => host.Tasks.Record.DelayAsync("never", i).AsTask()).ToList();
        var outcomes = await Task.WhenAll(sends.Select(async send =>
        {
            try
            {
                await send;
                return "sent";
            }
            catch (TaskPublishException ex)
            {
                return ex.Message;
            }
        }));

        outcomes.ShouldNotContain("sent");
        outcomes.Count(m => m.Contains("already waiting for it (RabbitMqOptions.MaxBufferedPublishes)")).ShouldBeGreaterThanOrEqualTo(1, "the buffer bound refused some at once");
        outcomes.Count(m => m.Contains("stayed unreachable")).ShouldBeGreaterThanOrEqualTo(1, "the buffered ones waited for the time bound");
    }

    [Fact]
    public async Task Eager_mode_runs_the_task_inline_after_a_json_round_trip()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, eager: true);

        var handle = await host.Tasks.Greet.DelayAsync("Barbara", 42, ["x"]);

        host.Recorder.Records.Single().Value.ShouldBe($"Barbara|42|x|{handle.Id}|1|{host.Queue}");
        await host.Tasks.StoreProfile.DelayAsync(new Profile("Edsger", 72));
        host.Recorder.Records[1].ShouldBe(("profile", "Edsger"));
    }

    [Fact]
    public async Task Eager_mode_fails_on_an_argument_that_cannot_be_serialized()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, eager: true);

        var error = await Should.ThrowAsync<TaskArgumentException>(async () =>
            await host.Tasks.StoreCallback.DelayAsync(new CallbackHolder { Name = "x", OnDone = () => { } }));

        error.Message.ShouldContain("cannot be serialized");
        host.Recorder.Records.ShouldBeEmpty();
    }

    [Fact]
    public async Task Eager_mode_fails_on_an_argument_that_cannot_be_rebuilt_from_json()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, eager: true);

        var error = await Should.ThrowAsync<TaskArgumentException>(async () =>
            await host.Tasks.StoreSealed.DelayAsync(new ReadOnlyThing(21)));

        error.Message.ShouldContain("could not be read as");
        host.Recorder.Records.ShouldBeEmpty();
    }

    [Fact]
    public async Task Eager_mode_propagates_the_task_exception()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false, eager: true);

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await host.Tasks.Fail.DelayAsync("eager boom"));

        error.Message.ShouldBe("eager boom");
    }

    [Theory]
    [InlineData("DeliveryLimit", "DeliveryLimit must be at least 1")]
    [InlineData("ConnectionUri", "must be an absolute amqp:// or amqps:// URI")]
    [InlineData("SameExchanges", "give the dead-letter exchange its own name")]
    [InlineData("PriorityOnQuorum", "MaxPriorities[\"jobs\"] is set for a quorum queue, which takes no maximum priority. On RabbitMQ 3.x make it a classic queue (QueueTypes[\"jobs\"] = Classic")]
    [InlineData("PriorityZero", "MaxPriorities[\"jobs\"] is 0; give the queue's highest priority")]
    [InlineData("RecoveryInterval", "RecoveryInterval must be between 100 ms and 5 minutes (got 00:00:00.0100000)")]
    [InlineData("PublishTimeoutZero", "RabbitMqOptions.PublishTimeout must be positive")]
    [InlineData("PublishTimeoutHuge", "RabbitMqOptions.PublishTimeout must be at most 1 day (got 10675199.02:48:05.4775807)")]
    public void Invalid_options_fail_at_start_up_with_a_message_that_says_what_to_change(string problem, string expected)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow().UseRabbitMq(o =>
        {
            switch (problem)
            {
                case "DeliveryLimit": o.DeliveryLimit = 0; break;
                case "ConnectionUri": o.ConnectionUri = new Uri("http://localhost/"); break;
                case "PriorityOnQuorum": o.MaxPriorities["jobs"] = 10; break;
                case "PriorityZero": o.QueueTypes["jobs"] = QueueType.Classic; o.MaxPriorities["jobs"] = 0; break;
                case "RecoveryInterval": o.RecoveryInterval = TimeSpan.FromMilliseconds(10); break;
                case "PublishTimeoutZero": o.PublishTimeout = TimeSpan.Zero; break;
                case "PublishTimeoutHuge": o.PublishTimeout = TimeSpan.MaxValue; break;
                default: o.DeadLetterExchangeName = o.ExchangeName; break;
            }
        });
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        error.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task Invalid_worker_options_stop_the_host_at_start_up()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTaskFlow().UseRabbitMq(o => o.ConnectionUri = TestEnvironment.BrokerUri).AddTaskFlowRuntimeTestsTasks()
            .AddWorker(w => w.AddQueue("q", concurrency: 8, prefetch: 2));
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Prefetch (2) is lower than Concurrency (8)");
    }

    [Fact]
    public async Task Existing_queue_with_other_arguments_fails_with_an_explanation()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);
        await using (var connection = await Broker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("tf-test-mismatch-" + host.Queue[^8..], durable: true, exclusive: false, autoDelete: false);
        }

        var error = await Should.ThrowAsync<InvalidOperationException>(async () =>
            await host.Tasks.Record.ApplyAsync("x", 1, new SendOptions { Queue = "tf-test-mismatch-" + host.Queue[^8..] }));

        error.Message.ShouldContain("exists with other arguments");
        await using var cleanup = await Broker.ConnectAsync();
        await using var c = await cleanup.CreateChannelAsync();
        await c.QueueDeleteAsync("tf-test-mismatch-" + host.Queue[^8..]);
        await c.QueueDeleteAsync("tf-test-mismatch-" + host.Queue[^8..] + ".dead");
    }
}
