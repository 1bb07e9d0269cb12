using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using TaskFlow.Core;

namespace TaskFlow.Scheduling.Internal;

/// <summary>
/// The scheduler's instruments on TaskFlow's meter: fires by schedule and what became of them, how late a sent fire
/// left (its fire time to its commit), and the scheduler leases held (summed over processes it must be 1: 0 means no
/// scheduler fires, more than 1 should never be seen for longer than one collection interval).
/// </summary>
internal static class SchedulingMetrics
{
    /// <summary>Fires decided by the active scheduler, by schedule and status (sent, skipped, buffered, missed, revoked).</summary>
    public static readonly Counter<long> Fires = Telemetry.Meter.CreateCounter<long>(
        "taskflow.schedule.fires",
        "{fire}",
        "Schedule fires decided by the active scheduler, by schedule and status: sent, skipped, buffered, missed (catch-up dropped them), revoked (CancelOther)");

    /// <summary>From a sent fire's fire time to the commit of its outbox row, seconds.</summary>
    public static readonly Histogram<double> Lag = Telemetry.Meter.CreateHistogram<double>(
        "taskflow.schedule.fire.lag",
        "s",
        "From a sent fire's fire time to the commit of its outbox row (how late the scheduler fired it)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });

    /// <summary>Scheduler leases held by this process: +1 when taken, -1 when lost or given up.</summary>
    public static readonly UpDownCounter<long> Leases = Telemetry.Meter.CreateUpDownCounter<long>(
        "taskflow.scheduler.leases",
        "{lease}",
        "Scheduler leases held by this process (1 on the active scheduler); summed over all processes it should be 1");

    /// <summary>Times this process took the scheduler lease (a takeover, or the first start).</summary>
    public static readonly Counter<long> Acquired = Telemetry.Meter.CreateCounter<long>(
        "taskflow.scheduler.lease.acquired",
        "{lease}",
        "Times this process took the scheduler lease");

    /// <summary>Times this process lost the lease it held (fenced off or not renewed in time).</summary>
    public static readonly Counter<long> LostCount = Telemetry.Meter.CreateCounter<long>(
        "taskflow.scheduler.lease.lost",
        "{lease}",
        "Times this process found the scheduler lease it held taken over (fenced off, or not renewed in time)");

    /// <summary>The lease's tag (its name: one per deployment, a stable series).</summary>
    public static KeyValuePair<string, object?> LeaseTag(string lease) => new("taskflow.scheduler.lease", lease);

    public static void Record(string schedule, string status, int count)
    {
        if (count > 0 && Fires.Enabled)
        {
            Fires.Add(count, new KeyValuePair<string, object?>("taskflow.schedule", schedule), new KeyValuePair<string, object?>("taskflow.schedule.fire.status", status));
        }
    }

    public static void RecordLag(string schedule, TimeSpan lag)
    {
        if (Lag.Enabled)
        {
            Lag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("taskflow.schedule", schedule));
        }
    }
}
