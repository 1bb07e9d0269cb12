using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>The trace context of a send travels through RabbitMQ in the message headers and the worker's span joins it.</summary>
public sealed class TelemetryBrokerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_task_sent_in_a_trace_is_processed_in_that_trace_across_the_broker()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "TaskFlow" or "TaskFlow.Tests.Broker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var test = new ActivitySource("TaskFlow.Tests.Broker");
        await using var host = await TaskFlowTestHost.StartAsync();

        TaskHandle handle;
        ActivityTraceId trace;
        using (var request = test.StartActivity("web request", ActivityKind.Server)!)
        {
            trace = request.TraceId;
            handle = await host.Tasks.Record.DelayAsync("traced", 1);
        }

        await host.Recorder.WaitForAsync(1, Timeout);
        var deadline = DateTime.UtcNow + Timeout;
        Activity? process = null;
        while (process is null && DateTime.UtcNow < deadline)
        {
            process = stopped.FirstOrDefault(a => a.Kind == ActivityKind.Consumer && Equals(a.GetTagItem("messaging.message.id"), handle.Id));
            await Task.Delay(20);
        }

        var send = stopped.Single(a => a.Kind == ActivityKind.Producer && Equals(a.GetTagItem("messaging.message.id"), handle.Id));
        process.ShouldNotBeNull("the worker's process span");
        send.TraceId.ShouldBe(trace);
        process.TraceId.ShouldBe(trace, "the worker's span joined the trace carried in the traceparent header");
        process.ParentSpanId.ShouldBe(send.SpanId);
        process.HasRemoteParent.ShouldBeTrue("its parent came from the message, not from this process's activity");
        process.GetTagItem("messaging.destination.name").ShouldBe(host.Queue);
        process.GetTagItem("taskflow.task.outcome").ShouldBe("succeeded");
    }
}
