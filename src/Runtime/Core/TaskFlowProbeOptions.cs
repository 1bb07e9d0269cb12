using System;
using System.Collections.Generic;

namespace TaskFlow;

/// <summary>
/// The probe (<c>AddProbe</c>): a tiny built-in task (<c>taskflow.probe</c>) sent to each queue at an interval, measuring
/// enqueue -> run latency on the real path: the monitoring the source material calls the only kind you can trust. Every
/// worker runs probes (the task is always registered) and records <c>taskflow.probe.latency</c>; the process that sends
/// them reads each answer from the state store and reports it through the <c>taskflow</c> health check. See docs/operations.md.
/// </summary>
public sealed class TaskFlowProbeOptions
{
    /// <summary>How often a probe is sent to each queue. Default 30 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The queues to probe. Empty (the default): the queues of every registered task and the default queue.</summary>
    public IList<string> Queues { get; } = new List<string>();

    /// <summary>A probe latency above this (or an unanswered probe older than this) makes the health check Degraded. Default 10 s.</summary>
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A probe latency above this (or an unanswered probe older than this) makes the health check Unhealthy. Default 60 s.</summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(60);
}
