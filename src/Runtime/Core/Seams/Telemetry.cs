using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using TaskFlow.Protocol;

namespace TaskFlow.Core;

/// <summary>
/// TaskFlow's activity source and meter (<see cref="TaskFlowTelemetry.Name"/>), following the OpenTelemetry messaging
/// semantic conventions: a producer span per send and a consumer span per run, linked across processes by the W3C
/// <c>traceparent</c>/<c>tracestate</c> message headers. Without listeners nothing is created (one flag check).
/// </summary>
internal static class Telemetry
{
    private static readonly string? Version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>
    /// Bucket boundaries of the time histograms: 0.5 ms to 5 min. OpenTelemetry's default boundaries (0 to 10,000)
    /// suit milliseconds; TaskFlow's times are in seconds, most of them well under one.
    /// </summary>
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    public static readonly ActivitySource Source = new(TaskFlowTelemetry.Name, Version);

    public static readonly Meter Meter = new(TaskFlowTelemetry.Name, Version);

    /// <summary>Tasks sent (confirmed by the transport), by task and queue.</summary>
    public static readonly Counter<long> Sent = Meter.CreateCounter<long>("taskflow.tasks.sent", "{task}", "Tasks sent and confirmed by the transport");

    /// <summary>Deliveries processed, by task, queue and outcome (succeeded, failed, retried, dead_lettered, expired, revoked, skipped, deferred, handed_back).</summary>
    public static readonly Counter<long> Processed = Meter.CreateCounter<long>("taskflow.tasks.processed", "{task}", "Task deliveries processed, by outcome");

    /// <summary>From receipt to settlement decision, seconds, by task, queue and outcome.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "taskflow.task.duration",
        "s",
        "Time from receiving a task to deciding its settlement (state read, slot wait and run)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>Deliveries of rate-limited tasks deferred to a later slot by their rate limit, by task and queue (each also counts as <c>deferred</c> in <see cref="Processed"/>).</summary>
    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("taskflow.tasks.rate_limited", "{task}", "Task deliveries deferred to a later slot by their rate limit");

    /// <summary>Deliveries of ordered tasks sent round again because an earlier task of their order key is unfinished, by task and queue (each also counts as <c>deferred</c> in <see cref="Processed"/>).</summary>
    public static readonly Counter<long> OrderWaits = Meter.CreateCounter<long>("taskflow.tasks.order_waits", "{task}", "Task deliveries deferred because an earlier task of their order key is unfinished");

    /// <summary>Tasks running now, by task and queue.</summary>
    public static readonly UpDownCounter<long> Running = Meter.CreateUpDownCounter<long>("taskflow.tasks.running", "{task}", "Tasks running in this process");

    /// <summary>
    /// From the time a message became due in its queue (<see cref="MessageHeaders.SentAt"/>: its send, or its ETA when it
    /// went through the delay levels) to the start of its run, seconds, by task and queue.
    /// </summary>
    public static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>(
        "taskflow.task.queue_wait",
        "s",
        "Time from a task's send (or its ETA, when delayed) to the start of its run: time in the queue, in the prefetch buffer and waiting for a slot",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>From a publish to the broker's confirm, seconds (every publish: sends, retries, deferrals, dead letters).</summary>
    public static readonly Histogram<double> PublishDuration = Meter.CreateHistogram<double>(
        "taskflow.publish.duration",
        "s",
        "Time from publishing a message to the broker's confirm",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public const string MessagingSystem = "messaging.system";
    public const string Operation = "messaging.operation.type";
    public const string OperationName = "messaging.operation.name";
    public const string Destination = "messaging.destination.name";
    public const string MessageId = "messaging.message.id";
    public const string TaskName = "taskflow.task.name";
    public const string Attempt = "taskflow.task.attempt";
    public const string Outcome = "taskflow.task.outcome";
    public const string Queue = "taskflow.queue";

    /// <summary>On a send span: the enqueue of a unique task found its key held and sent nothing (the message id is the holder's).</summary>
    public const string Deduplicated = "taskflow.task.deduplicated";

    /// <summary>The messaging system attribute of TaskFlow's spans: its transport (RabbitMQ is the only one).</summary>
    public const string System = "rabbitmq";

    /// <summary>Writes the W3C trace context of <paramref name="activity"/> into message headers, so the consumer's span joins its trace.</summary>
    public static void Inject(Activity activity, IDictionary<string, object?> headers)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } id)
        {
            return;
        }

        headers[MessageHeaders.TraceParent] = id;
        if (activity.TraceStateString is { Length: > 0 } state)
        {
            headers[MessageHeaders.TraceState] = state;
        }
    }

    /// <summary>The trace context a message carries, or <c>default</c> (a Celery client's message starts a new trace).</summary>
    public static ActivityContext Extract(IReadOnlyDictionary<string, object?> headers) =>
        Text(headers, MessageHeaders.TraceParent) is { } parent
        && ActivityContext.TryParse(parent, Text(headers, MessageHeaders.TraceState), isRemote: true, out var context)
            ? context
            : default;

    private static string? Text(IReadOnlyDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => global::System.Text.Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        } : null;

    /// <summary>The attributes of the task metrics.</summary>
    public static TagList Tags(string taskName, string queue)
    {
        var tags = new TagList
        {
            { TaskName, taskName },
            { Queue, queue },
        };
        return tags;
    }

    public static TagList Tags(string taskName, string queue, string outcome)
    {
        var tags = new TagList
        {
            { TaskName, taskName },
            { Queue, queue },
            { Outcome, outcome },
        };
        return tags;
    }
}
