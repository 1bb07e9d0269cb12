using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using TaskFlow.Core.Internal;

namespace TaskFlow.Core.Probes;

/// <summary>
/// The queue heartbeat: the latest figures of each probed queue (sampled every probe interval by
/// <see cref="ProbeService"/>), exported as <c>taskflow.queue.*</c> gauges and judged by <see cref="QueueHealthPart"/>.
/// One set of gauges for the process, over every running prober.
/// </summary>
internal sealed class QueueHeartbeat
{
    private static readonly ActiveSet<QueueHeartbeat> Active = new();

    private readonly ConcurrentDictionary<string, QueueSnapshot> _latest = new(StringComparer.Ordinal);

    static QueueHeartbeat()
    {
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.depth", () => Observe(s => s.Ready), "{message}", "Messages ready in the queue (broker figure)");
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.unacked", () => Observe(s => s.Unacknowledged), "{message}", "Messages delivered and not yet settled (broker figure)");
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.consumers", () => Observe(s => s.Consumers), "{consumer}", "Consumers of the queue (broker figure)");
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.dead_letters", () => Observe(s => s.DeadLetters), "{message}", "Messages in the queue's dead-letter queue");
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.oldest_age", () => ObserveDouble(s => s.OldestMessageAge?.TotalSeconds), "s", "How long the message at the head of the queue has waited, where the broker reports it");
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.publish_rate", () => ObserveDouble(s => s.PublishRate), "{message}/s", "Messages published to the queue per second (broker's recent average)");
        Telemetry.Meter.CreateObservableGauge("taskflow.queue.deliver_rate", () => ObserveDouble(s => s.DeliverRate), "{message}/s", "Messages delivered from the queue per second (broker's recent average)");
    }

    /// <summary>Why the last sample failed, or <c>null</c>.</summary>
    public string? Problem { get; private set; }

    /// <summary>When the last sample succeeded.</summary>
    public DateTimeOffset? SampledAt { get; private set; }

    public IReadOnlyCollection<QueueSnapshot> Latest => _latest.Values.ToList();

    public void Update(IReadOnlyList<QueueSnapshot> snapshots, DateTimeOffset at)
    {
        foreach (var snapshot in snapshots)
        {
            _latest[snapshot.Queue] = snapshot;
        }

        SampledAt = at;
        Problem = null;
    }

    public void Failed(string problem) => Problem = problem;

    public void Start() => Active.Add(this);

    public void Stop() => Active.Remove(this);

    private static List<QueueSnapshot> Snapshots() => Active.Snapshot().SelectMany(h => h._latest.Values).ToList();

    private static List<Measurement<long>> Observe(Func<QueueSnapshot, long?> value) =>
        Snapshots().Where(s => value(s) is not null).Select(s => new Measurement<long>(value(s)!.Value, new KeyValuePair<string, object?>(Telemetry.Queue, s.Queue))).ToList();

    private static List<Measurement<double>> ObserveDouble(Func<QueueSnapshot, double?> value) =>
        Snapshots().Where(s => value(s) is not null).Select(s => new Measurement<double>(value(s)!.Value, new KeyValuePair<string, object?>(Telemetry.Queue, s.Queue))).ToList();
}
