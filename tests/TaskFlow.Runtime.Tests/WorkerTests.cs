using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>Enqueue through the generated proxy, consume with the real worker, against the real broker.</summary>
public sealed class WorkerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Enqueued_task_runs_in_the_worker_and_is_acked()
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        var handle = await host.Tasks.Record.DelayAsync("answer", 42);

        await host.Recorder.WaitForAsync(1, Timeout);
        host.Recorder.Records.ShouldBe(new[] { ("answer", "42") });
        handle.TaskName.ShouldBe("tests.record");
        handle.Queue.ShouldBe(host.Queue);
        Guid.TryParse(handle.Id, out _).ShouldBeTrue();
        await host.StopAsync();
        (await CountAsync(host.Queue)).ShouldBe(0u, "the message was acked");
        (await CountAsync(host.Options.DeadLetterQueueOf(host.Queue))).ShouldBe(0u);
    }

    [Fact]
    public async Task Arguments_bind_by_position_and_context_is_injected()
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        var handle = await host.Tasks.Greet.DelayAsync("Ada", null, new List<string> { "a", "b" });

        await host.Recorder.WaitForAsync(1, Timeout);
        host.Recorder.Records.Single().Value.ShouldBe($"Ada|null|a,b|{handle.Id}|1|{host.Queue}");
        handle.ShouldBeOfType<TaskHandle<string>>();
    }

    [Fact]
    public async Task Keyword_arguments_bind_by_snake_case_name_like_a_celery_client_sends_them()
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        await PublishRawAsync(host, "tests.greet", """[["Grace"], {"age": 85, "tags": ["navy"]}, {}]""");

        await host.Recorder.WaitForAsync(1, Timeout);
        host.Recorder.Records.Single().Value.ShouldStartWith("Grace|85|navy|");
    }

    [Fact]
    public async Task Many_tasks_all_complete_and_run_concurrently_up_to_the_limit()
    {
        await using var worker = await TaskFlowTestHost.StartAsync();
        var sends = Enumerable.Range(0, 40).Select(i => worker.Tasks.Slow.DelayAsync($"k{i}", 100).AsTask());
        var handles = await Task.WhenAll(sends);

        await worker.Recorder.WaitForAsync(40, Timeout);
        handles.Select(h => h.Id).Distinct().Count().ShouldBe(40);
        worker.Recorder.Records.Select(r => r.Key).Distinct().Count().ShouldBe(40);
        worker.Recorder.MaxConcurrent.ShouldBe(4, "concurrency 4 with 40 tasks of 100 ms");
    }

    [Fact]
    public async Task Synchronous_cpu_bound_tasks_run_concurrently_up_to_the_limit()
    {
        // Concurrency 2 (this machine's cores, which the thread pool starts with): without the store, a delivery is
        // processed inline in the channel's callback up to the task's code; a synchronous task run there held the callback
        // and the queue ran one task at a time (measured: 1 before the fix, with 4 slots as with 2).
        await using var worker = await TaskFlowTestHost.StartAsync(concurrency: 2);
        var sends = Enumerable.Range(0, 8).Select(i => worker.Tasks.Busy.DelayAsync($"k{i}", 250).AsTask());
        await Task.WhenAll(sends);

        await worker.Recorder.WaitForAsync(8, Timeout);
        worker.Recorder.MaxConcurrent.ShouldBe(2, "concurrency 2 with 8 synchronous tasks of 250 ms: no task may hold up the delivery of the others");
    }

    [Fact]
    public async Task Task_that_throws_is_dead_lettered_with_failure_headers()
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        var handle = await host.Tasks.Fail.DelayAsync("boom: the SMTP server said no");

        var dead = await DeadLettersAsync(host, 1);
        dead.Count.ShouldBe(1);
        var message = dead[0];
        Broker.Header(message, MessageHeaders.DeadLetterReason).ShouldBe(DeadLetterReason.TaskFailed);
        Broker.Header(message, MessageHeaders.ExceptionType).ShouldBe(typeof(InvalidOperationException).FullName);
        Broker.Header(message, MessageHeaders.ExceptionMessage).ShouldBe("boom: the SMTP server said no");
        Broker.Header(message, MessageHeaders.StackTrace).ShouldContain(nameof(TestTasks.Fail));
        Broker.Header(message, MessageHeaders.Id).ShouldBe(handle.Id);
        Broker.Header(message, MessageHeaders.OriginalQueue).ShouldBe(host.Queue);
        Broker.Header(message, MessageHeaders.Attempts).ShouldBe("1");
        Broker.Header(message, MessageHeaders.Worker).ShouldNotBeNullOrWhiteSpace();
        DateTimeOffset.Parse(Broker.Header(message, MessageHeaders.FailedAt), System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeInRange(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Encoding.UTF8.GetString(message.Body.Span).ShouldContain("boom: the SMTP server said no", customMessage: "the original body is kept for re-drive");
        (await CountAsync(host.Queue)).ShouldBe(0u);
    }

    [Theory]
    [InlineData("tests.record", "{not json", DeadLetterReason.MalformedBody)]
    [InlineData("tests.record", """{"args": [1]}""", DeadLetterReason.MalformedBody)]
    [InlineData("tests.no_such_task", """[["x", 1], {}, {}]""", DeadLetterReason.UnknownTask)]
    [InlineData("tests.record", """[["x"], {}, {}]""", DeadLetterReason.InvalidArguments)]
    [InlineData("tests.record", """[["x", 1, 2], {}, {}]""", DeadLetterReason.InvalidArguments)]
    [InlineData("tests.record", """[["x", "not a number"], {}, {}]""", DeadLetterReason.InvalidArguments)]
    [InlineData("tests.record", """[["x"], {"value": 1, "colour": "red"}, {}]""", DeadLetterReason.InvalidArguments)]
    [InlineData("tests.record", """[[null, 1], {}, {}]""", DeadLetterReason.InvalidArguments)]
    public async Task Poison_message_is_dead_lettered_with_its_reason_and_the_worker_keeps_consuming(string task, string body, string reason)
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        await PublishRawAsync(host, task, body);
        await host.Tasks.Record.DelayAsync("after-poison", 7);

        await host.Recorder.WaitForAsync(1, Timeout);
        host.Recorder.Records.ShouldBe(new[] { ("after-poison", "7") });
        var dead = await DeadLettersAsync(host, 1);
        dead.Count.ShouldBe(1);
        Broker.Header(dead[0], MessageHeaders.DeadLetterReason).ShouldBe(reason);
        Broker.Header(dead[0], MessageHeaders.ExceptionMessage).ShouldNotBeNullOrWhiteSpace();
        Encoding.UTF8.GetString(dead[0].Body.Span).ShouldBe(body);
    }

    [Fact]
    public async Task Message_without_celery_v2_headers_is_dead_lettered_as_unsupported_envelope()
    {
        await using var host = await TaskFlowTestHost.StartAsync();
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        await channel.BasicPublishAsync(host.Options.ExchangeName, host.Queue, true, properties, Encoding.UTF8.GetBytes("""{"task": "tests.record", "args": ["x", 1]}"""));

        var dead = await DeadLettersAsync(host, 1);
        Broker.Header(dead.Single(), MessageHeaders.DeadLetterReason).ShouldBe(DeadLetterReason.UnsupportedEnvelope);
    }

    [Fact]
    public async Task Message_with_a_non_json_content_type_is_dead_lettered()
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        await PublishRawAsync(host, "tests.record", "\x80\x03}q", contentType: "application/x-python-serialize");

        var dead = await DeadLettersAsync(host, 1);
        Broker.Header(dead.Single(), MessageHeaders.DeadLetterReason).ShouldBe(DeadLetterReason.UnsupportedContentType);
    }

    [Fact]
    public async Task Expired_task_is_acked_and_not_run()
    {
        await using var host = await TaskFlowTestHost.StartAsync();

        await host.Tasks.Record.ApplyAsync("expired", 1, new SendOptions { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-5) });
        await host.Tasks.Record.ApplyAsync("fresh", 2, new SendOptions { ExpiresIn = TimeSpan.FromMinutes(5) });

        await host.Recorder.WaitForAsync(1, Timeout);
        await Task.Delay(300);
        host.Recorder.Records.ShouldBe(new[] { ("fresh", "2") });
        await host.StopAsync();
        (await CountAsync(host.Queue)).ShouldBe(0u);
        (await CountAsync(host.Options.DeadLetterQueueOf(host.Queue))).ShouldBe(0u);
    }

    [Fact]
    public async Task Apply_with_explicit_task_id_and_queue_override_is_honoured()
    {
        await using var host = await TaskFlowTestHost.StartAsync();
        var id = Guid.NewGuid().ToString();

        var handle = await host.Tasks.Greet.ApplyAsync("Linus", 30, new List<string>(), new SendOptions { TaskId = id, Queue = host.Queue });

        handle.Id.ShouldBe(id);
        await host.Recorder.WaitForAsync(1, Timeout);
        host.Recorder.Records.Single().Value.ShouldContain(id);
    }

    [Fact]
    public async Task Graceful_shutdown_lets_the_running_task_finish_before_stopping()
    {
        var host = await TaskFlowTestHost.StartAsync();
        try
        {
            await host.Tasks.Slow.DelayAsync("in-flight", 1500);
            await WaitUntilAsync(() => host.Recorder.MaxConcurrent == 1);

            await host.StopAsync();

            host.Recorder.Records.ShouldBe(new[] { ("in-flight", "done") });
            (await CountAsync(host.Queue)).ShouldBe(0u, "the finished task was acked before the channel closed");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>
    /// Acks are posted, not awaited (coalesced into multiple acks): end to end, a burst and a graceful stop right after
    /// it leave each task run once and nothing in the queue. (That the drain waits for the frames of posted acks is
    /// pinned down with the frames held back in <see cref="PostedAckDrainTests"/>; here the stop is usually slower
    /// than the last flush anyway.)
    /// </summary>
    [Fact]
    public async Task Graceful_shutdown_right_after_a_burst_leaves_every_finished_task_acked_once()
    {
        var host = await TaskFlowTestHost.StartAsync();
        try
        {
            const int count = 2_000;
            await host.Tasks.Record.DelayManyAsync(Enumerable.Range(0, count).Select(i => ("burst", i)).ToList());
            await WaitUntilAsync(() => host.Recorder.Records.Count == count);

            await host.StopAsync();

            host.Recorder.Records.Count.ShouldBe(count);
            host.Recorder.Records.Select(r => r.Value).Distinct().Count().ShouldBe(count, "each task ran once");
            (await CountAsync(host.Queue)).ShouldBe(0u, "every finished task was acked before the channel closed");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Shutdown_past_the_grace_period_cancels_the_task_and_the_broker_redelivers_it()
    {
        var host = await TaskFlowTestHost.StartAsync(configureWorker: w => w.ShutdownGracePeriod = TimeSpan.FromMilliseconds(300));
        try
        {
            await host.Tasks.Slow.DelayAsync("too-slow", 60_000);
            await WaitUntilAsync(() => host.Recorder.MaxConcurrent == 1);

            await host.StopAsync();

            host.Recorder.Records.ShouldBeEmpty();
            (await CountAsync(host.Queue)).ShouldBe(1u, "the unfinished task went back to the queue, not lost");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    internal static async Task PublishRawAsync(TaskFlowTestHost host, string task, string body, string contentType = "application/json")
    {
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties
        {
            ContentType = contentType,
            ContentEncoding = "utf-8",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?> { ["task"] = task, ["id"] = Guid.NewGuid().ToString(), ["lang"] = "py", ["retries"] = 0 },
        };
        await channel.BasicPublishAsync(host.Options.ExchangeName, host.Queue, true, properties, Encoding.Latin1.GetBytes(body));
    }

    private static async Task<List<BasicGetResult>> DeadLettersAsync(TaskFlowTestHost host, int expected)
    {
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await Broker.DrainAsync(channel, host.Options.DeadLetterQueueOf(host.Queue), expected, Timeout);
    }

    private static async Task<uint> CountAsync(string queue)
    {
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        return ok.MessageCount;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(20);
        }
    }
}
