using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>The one enqueue path (build envelope, record, send) against an in-memory sender.</summary>
public sealed class EnqueuePathTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static (CoreTasks.Client Tasks, InMemorySender Sender, List<string> Log) Create(TimeSpan? maxDelay = null)
    {
        var log = new List<string>();
        var sender = new InMemorySender(log) { MaxDelay = maxDelay ?? TaskFlowLimits.MaxDelay };
        var client = new TaskClient(sender, new LoggingRecorder(log), new TaskFlowOptions { DefaultQueue = "fallback" }, new FakeTimeProvider(Now), NullLogger.Instance);
        return (new CoreTasks.Client(client), sender, log);
    }

    [Fact]
    public async Task Records_before_and_after_the_send_in_that_order_and_returns_the_attached_handle()
    {
        var (tasks, sender, log) = Create();

        var handle = await tasks.Add.DelayAsync(2, 3);

        var envelope = sender.Sent.ShouldHaveSingleItem();
        envelope.Id.ShouldBe(handle.Id);
        envelope.Queue.ShouldBe("core");
        envelope.TaskName.ShouldBe("core.add");
        log.ShouldBe([$"before {handle.Id}", $"send {handle.Id}", $"after {handle.Id}", $"attach {handle.Id}"]);
    }

    [Fact]
    public async Task A_failed_send_is_reported_to_the_recorder_and_rethrown_and_nothing_is_recorded_as_sent()
    {
        var (tasks, sender, log) = Create();
        sender.FailWith = new TaskPublishException("not confirmed");

        var error = await Should.ThrowAsync<TaskPublishException>(async () => await tasks.Add.ApplyAsync(1, 1, new SendOptions { TaskId = "t-1", EntityKey = "sum:1" }));

        error.Message.ShouldBe("not confirmed");
        log.ShouldBe(["before t-1 entity sum:1", "send t-1", "failed t-1: not confirmed"]);
    }

    [Fact]
    public async Task An_eta_beyond_what_the_transport_carries_is_refused_before_anything_is_recorded()
    {
        var (tasks, sender, log) = Create(maxDelay: TimeSpan.FromDays(1));

        var error = await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await tasks.Add.ApplyAsync(1, 1, new SendOptions { Countdown = TimeSpan.FromDays(2) }));

        error.Message.ShouldContain("further away than the 1.0 days");
        log.ShouldBeEmpty();
        sender.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_envelope_carries_celerys_headers_and_the_options()
    {
        var (tasks, sender, _) = Create();

        await tasks.Add.ApplyAsync(4, 5, new SendOptions { TaskId = "fixed", Queue = "other", Countdown = TimeSpan.FromSeconds(10), ExpiresIn = TimeSpan.FromMinutes(1), ParentId = "parent", EntityKey = "sum:9" });

        var envelope = sender.Sent.ShouldHaveSingleItem();
        envelope.Queue.ShouldBe("other");
        envelope.Eta.ShouldBe(Now.AddSeconds(10));
        envelope.EntityKey.ShouldBe("sum:9");
        envelope.Headers[MessageHeaders.Id].ShouldBe("fixed");
        envelope.Headers[MessageHeaders.Task].ShouldBe("core.add");
        envelope.Headers[MessageHeaders.ParentId].ShouldBe("parent");
        envelope.Headers[MessageHeaders.RootId].ShouldBe("parent");
        envelope.Headers[MessageHeaders.Eta].ShouldBe("2026-12-02T12:00:10.000000+00:00");
        envelope.Headers[MessageHeaders.Expires].ShouldBe("2026-12-02T12:01:00.000000+00:00");
        envelope.Headers[MessageHeaders.EntityKey].ShouldBe("sum:9");
        System.Text.Encoding.UTF8.GetString(envelope.Body.Span).ShouldStartWith("[[4,5],{},");
    }
}
