using System;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Tasks;
using TaskFlow.Core.Internal;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core.Probes;

/// <summary>
/// The built-in probe task <c>taskflow.probe(sent_at_ms)</c>: registered in every service collection so that any worker
/// runs probes of any queue it consumes. Its run records the enqueue -> run latency (the sender's clock against the
/// worker's: synchronise clocks across machines) in <c>taskflow.probe.latency</c> and returns it in seconds.
/// </summary>
internal static class ProbeTask
{
    public const string Name = "taskflow.probe";

    public static readonly Histogram<double> Latency = Telemetry.Meter.CreateHistogram<double>(
        "taskflow.probe.latency", "s", "Probe task latency from send to run, recorded by the worker that ran it");

    public static readonly TaskDescriptor Descriptor = new(
        Name,
        queue: null,
        method: "TaskFlow.Probe(long sentAtMs)",
        [new TaskArgumentDescriptor("sentAtMs", "sent_at_ms", "long", false)],
        Invoke)
    {
        RetryPolicy = RetryPolicy.None,
        IgnoreResult = false,
    };

    /// <summary>The argument of one probe: when it was sent (Unix milliseconds).</summary>
    public readonly struct Arguments : ITaskArgumentWriter
    {
        private readonly long _sentAtMs;

        public Arguments(long sentAtMs) => _sentAtMs = sentAtMs;

        public void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options) => writer.WriteNumberValue(_sentAtMs);
    }

    private static ValueTask<object?> Invoke(TaskInvocation invocation)
    {
        var sentAtMs = invocation.Arguments.Get<long>(0, false);
        var now = invocation.Context.Services.GetService(typeof(TimeProvider)) is TimeProvider time ? time.GetUtcNow() : DateTimeOffset.UtcNow;
        var latency = Math.Max(0, (now.ToUnixTimeMilliseconds() - sentAtMs) / 1000.0);
        Latency.Record(latency, new System.Collections.Generic.KeyValuePair<string, object?>(Telemetry.Queue, invocation.Context.Queue));
        return new ValueTask<object?>(latency);
    }

    /// <summary>Whether <paramref name="task"/> is a built-in task rather than one of the application's.</summary>
    public static bool IsBuiltIn(TaskDescriptor task) => ReferenceEquals(task, Descriptor);
}
