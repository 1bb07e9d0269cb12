using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// The state store's instruments on TaskFlow's meter: the size of each committed state-write batch, and the outbox's
/// backlog and the age of its oldest transaction as observable gauges. The gauges report what each running relay
/// last read (<see cref="OutboxBacklog"/>): collecting them never queries the database.
/// </summary>
internal static class StateMetrics
{
    private static readonly ConcurrentDictionary<OutboxBacklog, byte> Relays = new();

    /// <summary>Rows (one per task) committed in one state-write transaction.</summary>
    public static readonly Histogram<int> WriteBatchSize = Telemetry.Meter.CreateHistogram<int>(
        "taskflow.state.write.batch_size",
        "{row}",
        "Task state rows committed in one state-store transaction (group commit)",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000] });

    /// <summary>Messages in the outbox not yet published, by schema.</summary>
    public static readonly ObservableGauge<long> OutboxMessages = Telemetry.Meter.CreateObservableGauge(
        "taskflow.outbox.backlog",
        ObserveMessages,
        "{message}",
        "Messages in the transactional outbox not yet published by the relay (as the relay last read it)");

    /// <summary>Age of the oldest outbox transaction not yet published, seconds, by schema (0 when none waits).</summary>
    public static readonly ObservableGauge<double> OutboxOldestAge = Telemetry.Meter.CreateObservableGauge(
        "taskflow.outbox.oldest_age",
        ObserveOldestAge,
        "s",
        "Age of the oldest outbox transaction not yet published (0 when the outbox is empty)");

    /// <summary>Whether someone collects the outbox gauges (the relay reads its backlog only then).</summary>
    public static bool OutboxObserved => OutboxMessages.Enabled || OutboxOldestAge.Enabled;

    /// <summary>A running relay's readings become visible in the gauges until <see cref="Remove"/>.</summary>
    public static void Add(OutboxBacklog backlog) => Relays.TryAdd(backlog, 0);

    public static void Remove(OutboxBacklog backlog) => Relays.TryRemove(backlog, out _);

    private static IEnumerable<Measurement<long>> ObserveMessages()
    {
        foreach (var backlog in Relays.Keys)
        {
            if (backlog.Read is { } read)
            {
                yield return new Measurement<long>(read.Messages, backlog.Tags);
            }
        }
    }

    private static IEnumerable<Measurement<double>> ObserveOldestAge()
    {
        foreach (var backlog in Relays.Keys)
        {
            if (backlog.Read is { } read)
            {
                var age = read.Oldest is { } oldest ? Math.Max(0, (backlog.Now - oldest).TotalSeconds) : 0;
                yield return new Measurement<double>(age, backlog.Tags);
            }
        }
    }
}
