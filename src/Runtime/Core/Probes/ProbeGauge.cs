using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using TaskFlow.Core.Internal;

namespace TaskFlow.Core.Probes;

/// <summary>
/// <c>taskflow.probe.age</c>: per probed queue, the last probe's latency or, when larger, the age of the probe still
/// unanswered (so it keeps rising while a queue has no consumer). One gauge for the process, over every running prober.
/// </summary>
internal static class ProbeGauge
{
    private static readonly ActiveSet<ProbeMonitor> Monitors = new();

    private static readonly ObservableGauge<double> Gauge = Telemetry.Meter.CreateObservableGauge(
        "taskflow.probe.age", Observe, "s", "Latency of the last probe answered, or the age of the unanswered probe when larger, per queue (from the process sending probes)");

    public static void Add(ProbeMonitor monitor)
    {
        _ = Gauge;
        Monitors.Add(monitor);
    }

    public static void Remove(ProbeMonitor monitor) => Monitors.Remove(monitor);

    private static IEnumerable<Measurement<double>> Observe() =>
        Monitors.Snapshot().Where(m => m.Answers).SelectMany(m => m.Observe()).ToList();
}
