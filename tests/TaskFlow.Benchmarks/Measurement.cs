using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace TaskFlow.Benchmarks;

/// <summary>One timed run of one side and phase.</summary>
internal sealed record Measurement(
    int Messages,
    double Seconds,
    double AllocatedBytesPerMessage,
    int Gen0,
    int Gen1,
    int Gen2,
    double ProcessCpuMicrosecondsPerMessage,
    double BrokerCpuMicrosecondsPerMessage,
    double DatabaseCpuMicrosecondsPerMessage,
    double? P50Milliseconds = null,
    double? P99Milliseconds = null,
    double WorkItemsPerMessage = 0)
{
    public double MessagesPerSecond => Messages / Seconds;

    /// <summary>A window between two snapshots that covered <paramref name="messages"/> messages.</summary>
    public static Measurement Between(Snapshot from, Snapshot to, int messages) => new(
        messages,
        Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp).TotalSeconds,
        (double)(to.AllocatedBytes - from.AllocatedBytes) / messages,
        to.Gen0 - from.Gen0,
        to.Gen1 - from.Gen1,
        to.Gen2 - from.Gen2,
        (to.ProcessCpu - from.ProcessCpu).TotalMicroseconds / messages,
        (to.BrokerCpu - from.BrokerCpu).TotalMicroseconds / messages,
        (to.DatabaseCpu - from.DatabaseCpu).TotalMicroseconds / messages,
        WorkItemsPerMessage: (double)(to.WorkItems - from.WorkItems) / messages);

    /// <summary>Adds percentiles of per-message latencies given in Stopwatch ticks.</summary>
    public Measurement WithLatencies(long[] ticks)
    {
        var sorted = ticks.Select(t => t * 1000.0 / Stopwatch.Frequency).OrderBy(x => x).ToArray();
        return this with { P50Milliseconds = Percentile(sorted, 0.50), P99Milliseconds = Percentile(sorted, 0.99) };
    }

    /// <summary>The median of each figure over several runs (each figure on its own).</summary>
    public static Measurement Median(IReadOnlyList<Measurement> runs)
    {
        double M(Func<Measurement, double> f) => MedianOf(runs.Select(f).ToList());
        int I(Func<Measurement, int> f) => (int)Math.Round(MedianOf(runs.Select(r => (double)f(r)).ToList()));
        var rate = M(r => r.MessagesPerSecond);
        return new Measurement(
            runs[0].Messages,
            runs[0].Messages / rate,
            M(r => r.AllocatedBytesPerMessage),
            I(r => r.Gen0),
            I(r => r.Gen1),
            I(r => r.Gen2),
            M(r => r.ProcessCpuMicrosecondsPerMessage),
            M(r => r.BrokerCpuMicrosecondsPerMessage),
            M(r => r.DatabaseCpuMicrosecondsPerMessage),
            runs[0].P50Milliseconds is null ? null : M(r => r.P50Milliseconds!.Value),
            runs[0].P99Milliseconds is null ? null : M(r => r.P99Milliseconds!.Value),
            M(r => r.WorkItemsPerMessage));
    }

    /// <summary>The median of <paramref name="values"/> (sorts the list; the mean of the middle two when the count is even).</summary>
    internal static double MedianOf(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    // Nearest-rank percentile.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
