using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.Core.Probes;

/// <summary>
/// The probe part of the <c>taskflow</c> health check: per probed queue, Degraded when its probe latency (or the age of
/// its unanswered probe) passes <see cref="TaskFlowProbeOptions.DegradedAfter"/>, Unhealthy past
/// <see cref="TaskFlowProbeOptions.UnhealthyAfter"/>; a queue without consumers shows as an unanswered probe growing older.
/// </summary>
internal sealed class ProbeHealthPart : ITaskFlowHealthPart
{
    private readonly ProbeMonitor _monitor;
    private readonly TaskFlowProbeOptions _options;
    private readonly IPausedQueues? _paused;

    /// <param name="monitor">The probes' latest readings.</param>
    /// <param name="options">The thresholds.</param>
    /// <param name="paused">The paused queues (with a state store): a paused queue answers no probe on purpose and is not judged.</param>
    public ProbeHealthPart(ProbeMonitor monitor, TaskFlowProbeOptions options, IPausedQueues? paused = null)
    {
        _monitor = monitor;
        _options = options;
        _paused = paused;
    }

    public string Name => "probe";

    public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (!_monitor.Answers)
        {
            return HealthCheckResult.Healthy(
                "Probes are sent, but without a state store their answers are not read here: watch taskflow.probe.latency on the workers.");
        }

        IReadOnlyCollection<string> paused = [];
        if (_paused is not null)
        {
            try
            {
                paused = await _paused.GetPausedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // The store part of the check reports the store; here every queue is judged as if none were paused.
            }
        }

        var now = _monitor.Now;
        var (worst, problems, data) = QueueVerdicts.Judge(_monitor.Queues, p => p.Queue, probe =>
        {
            if (paused.Contains(probe.Queue))
            {
                return (HealthStatus.Healthy, "paused: no worker consumes it on purpose, its probe waits for the resume", (string?)null);
            }

            var effective = probe.Effective(now);
            var waiting = probe.PendingSince is { } since && effective == now - since;
            var status = effective is not { } latency ? HealthStatus.Healthy
                : latency > _options.UnhealthyAfter ? HealthStatus.Unhealthy
                : latency > _options.DegradedAfter ? HealthStatus.Degraded
                : HealthStatus.Healthy;
            var text = effective is not { } value ? "no probe answered yet"
                : waiting ? $"probe unanswered for {value.TotalSeconds:0.0} s (no consumer, or a backlog)"
                : $"probe latency {value.TotalMilliseconds:0} ms";
            if (probe.LastProblem is { } problem)
            {
                text += $"; last problem: {problem}";
                if (status == HealthStatus.Healthy && probe.LastAnsweredAt is null)
                {
                    status = HealthStatus.Degraded;
                }
            }

            return (status, text, (string?)null);
        });

        var description = problems.Count == 0 ? $"Probes answered on {data.Count} queue(s)." : string.Join("; ", problems);
        return new HealthCheckResult(worst, description, data: data);
    }
}
