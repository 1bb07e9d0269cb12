using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using TaskFlow.Core.Internal;

namespace TaskFlow.Core.Probes;

/// <summary>
/// What the probes sent by this process have seen, per queue: the last answered probe's latency and the age of the
/// one still unanswered. Read by the health check and by the <c>taskflow.probe.age</c> gauge.
/// </summary>
internal sealed class ProbeMonitor
{
    private readonly ConcurrentDictionary<string, QueueProbe> _queues = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ProbeMonitor(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Whether answers are read (a state store is configured); without one, probes are measured by the workers' metric only.</summary>
    public bool Answers { get; set; } = true;

    public IReadOnlyCollection<QueueProbe> Queues => _queues.Values.ToList();

    public QueueProbe Of(string queue) => _queues.GetOrAdd(queue, static name => new QueueProbe(name));

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Per probed queue: the last answer's latency, or the age of the unanswered probe when it is larger (seconds).</summary>
    public IEnumerable<Measurement<double>> Observe()
    {
        var now = Now;
        foreach (var probe in _queues.Values)
        {
            var value = probe.Effective(now);
            if (value is { } seconds)
            {
                yield return new Measurement<double>(seconds.TotalSeconds, new KeyValuePair<string, object?>(Telemetry.Queue, probe.Queue));
            }
        }
    }
}

/// <summary>One queue's probe state (written by the probe service, read by health and metrics).</summary>
internal sealed class QueueProbe
{
    private readonly object _gate = new();

    public QueueProbe(string queue) => Queue = queue;

    public string Queue { get; }

    public string? PendingId { get; private set; }

    public DateTimeOffset? PendingSince { get; private set; }

    public TimeSpan? LastLatency { get; private set; }

    public DateTimeOffset? LastAnsweredAt { get; private set; }

    public string? LastProblem { get; private set; }

    public void Sent(string id, DateTimeOffset at)
    {
        lock (_gate)
        {
            PendingId = id;
            PendingSince = at;
        }
    }

    public void Answered(TimeSpan latency, DateTimeOffset at)
    {
        lock (_gate)
        {
            LastLatency = latency;
            LastAnsweredAt = at;
            LastProblem = null;
            PendingId = null;
            PendingSince = null;
        }
    }

    /// <summary>The probe ended without running (expired, revoked, failed): the next one is sent.</summary>
    public void Lost(string problem)
    {
        lock (_gate)
        {
            LastProblem = problem;
            PendingId = null;
            PendingSince = null;
        }
    }

    public void SendFailed(string problem)
    {
        lock (_gate)
        {
            LastProblem = problem;
        }
    }

    /// <summary>The latency to judge the queue by: the last answer's, or the unanswered probe's age when larger.</summary>
    public TimeSpan? Effective(DateTimeOffset now)
    {
        lock (_gate)
        {
            var waiting = PendingSince is { } since ? now - since : (TimeSpan?)null;
            if (waiting is { } age && (LastLatency is null || age > LastLatency))
            {
                return age;
            }

            return LastLatency;
        }
    }
}
