using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>
/// Telemetry over the real broker: the trace context of a send travels in the message headers and the worker's span
/// joins it; spans and metrics of success, retry and dead letter; each publish stamped with its own send time.
/// </summary>
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

    [Fact]
    public async Task Success_retry_and_dead_letter_get_their_spans_metrics_and_send_times_over_the_broker()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "TaskFlow",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var metrics = new Measurements();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        // A retry waits 3 s in the delay levels: its queue wait is measured from then (its own send, due at its ETA),
        // so it stays well under those 3 s; measured from the first send it could not.
        await using var host = await TaskFlowTestHost.StartAsync(configure: o => o.RetryPolicies["tests.flaky"] = new RetryPolicy
        {
            MaxRetries = 1,
            Delay = TimeSpan.FromSeconds(3),
            Jitter = false,
        });
        var tasks = host.Services.GetRequiredService<DeliveryTasks.Client>();

        var ok = await host.Tasks.Record.DelayAsync("ok", 1);
        var retried = await tasks.Flaky.DelayAsync("retried", 1);
        var dead = await tasks.Flaky.DelayAsync("dead", 100);

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var letters = await Broker.DrainAsync(channel, host.Options.DeadLetterQueueOf(host.Queue), 1, Timeout);
        await host.Recorder.WaitForAsync(5, Timeout); // ok, retried x2 attempts + done, dead x2 attempts (at least)
        var deadline = DateTime.UtcNow + Timeout;
        while (metrics.Count("taskflow.tasks.processed", host.Queue) < 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        // Spans: each delivery's process span tells its outcome; the dead letter's is an error; attempts share a trace.
        string[] Outcomes(TaskHandle handle) => stopped
            .Where(a => a.Kind == ActivityKind.Consumer && Equals(a.GetTagItem("messaging.message.id"), handle.Id))
            .OrderBy(a => a.StartTimeUtc)
            .Select(a => (string)a.GetTagItem("taskflow.task.outcome")!)
            .ToArray();
        Outcomes(ok).ShouldBe(["succeeded"]);
        Outcomes(retried).ShouldBe(["retried", "succeeded"]);
        Outcomes(dead).ShouldBe(["retried", "dead_lettered"]);
        var deadRuns = stopped.Where(a => a.Kind == ActivityKind.Consumer && Equals(a.GetTagItem("messaging.message.id"), dead.Id)).ToList();
        deadRuns.Select(a => a.TraceId).Distinct().ShouldHaveSingleItem("the retry is in the trace of the first send");
        deadRuns.Single(a => Equals(a.GetTagItem("taskflow.task.outcome"), "dead_lettered")).Status.ShouldBe(ActivityStatusCode.Error);

        // Metrics: by task, queue and outcome.
        metrics.Sum("taskflow.tasks.processed", host.Queue, "tests.record", "succeeded").ShouldBe(1);
        metrics.Sum("taskflow.tasks.processed", host.Queue, "tests.flaky", "retried").ShouldBe(2);
        metrics.Sum("taskflow.tasks.processed", host.Queue, "tests.flaky", "succeeded").ShouldBe(1);
        metrics.Sum("taskflow.tasks.processed", host.Queue, "tests.flaky", "dead_lettered").ShouldBe(1);
        metrics.Sum("taskflow.tasks.sent", host.Queue, "tests.flaky").ShouldBe(2);
        // Queue wait: one per run, from the header every publish stamps.
        var waits = metrics.Values("taskflow.task.queue_wait", host.Queue, "tests.flaky");
        waits.Count.ShouldBe(4, "two runs of each flaky task");
        waits.ShouldAllBe(w => w >= 0 && w < 2.5, "the retries waited 3 s in the delay levels, which is not queue wait");
        metrics.Values("taskflow.task.queue_wait", host.Queue, "tests.record").ShouldHaveSingleItem();
        metrics.AnyOf("taskflow.publish.duration").ShouldBeTrue("publish confirm latency is recorded");

        // The dead letter is a publish of its own: stamped with its own time (AMQP timestamp and header).
        var letter = letters.ShouldHaveSingleItem();
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Broker.Header(letter, MessageHeaders.SentAt), CultureInfo.InvariantCulture));
        sentAt.ShouldBeInRange(before, after);
        DateTimeOffset.FromUnixTimeSeconds(letter.BasicProperties.Timestamp.UnixTime).ShouldBeInRange(before.AddSeconds(-1), after);
        var failedAt = DateTimeOffset.Parse(Broker.Header(letter, MessageHeaders.FailedAt), CultureInfo.InvariantCulture);
        (sentAt - failedAt).Duration().ShouldBeLessThan(TimeSpan.FromSeconds(5), "stamped when dead-lettered, not when first sent");
        (sentAt - failedAt).ShouldBeGreaterThan(TimeSpan.FromSeconds(-1));
        // The first send's stamp travels on in x-taskflow-first-sent-at (across the retry too).
        var firstSentAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Broker.Header(letter, MessageHeaders.FirstSentAt), CultureInfo.InvariantCulture));
        firstSentAt.ShouldBeInRange(before, sentAt);
        (sentAt - firstSentAt).ShouldBeGreaterThan(TimeSpan.FromSeconds(2), "the first send was before the 3 s retry delay");
    }

    /// <summary>TaskFlow's measurements while it listens.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _all = new();

        public Measurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "TaskFlow")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public bool AnyOf(string instrument) => _all.Any(m => m.Instrument == instrument);

        public double Count(string instrument, string queue) => Matching(instrument, queue, null, null).Sum(m => m.Value);

        public double Sum(string instrument, string queue, string task, string? outcome = null) => Matching(instrument, queue, task, outcome).Sum(m => m.Value);

        public List<double> Values(string instrument, string queue, string task) => Matching(instrument, queue, task, null).Select(m => m.Value).ToList();

        public void Dispose() => _listener.Dispose();

        private IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Matching(string instrument, string queue, string? task, string? outcome) =>
            _all.Where(m => m.Instrument == instrument
                && Equals(m.Tags.GetValueOrDefault("taskflow.queue"), queue)
                && (task is null || Equals(m.Tags.GetValueOrDefault("taskflow.task.name"), task))
                && (outcome is null || Equals(m.Tags.GetValueOrDefault("taskflow.task.outcome"), outcome)));

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, tag) in tags)
            {
                copy[key] = tag;
            }

            _all.Enqueue((instrument.Name, value, copy));
        }
    }
}
