using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.Core.Probes;

/// <summary>
/// The queues part of the <c>taskflow</c> health check, from the queue heartbeat: Unhealthy while a probed queue has no
/// consumer at all (no worker of any process consumes it); Degraded or Unhealthy when the message at its head has waited
/// longer than <see cref="TaskFlowProbeOptions.DegradedAfter"/> or <see cref="TaskFlowProbeOptions.UnhealthyAfter"/>
/// (where the broker reports that age); Degraded when the broker's figures cannot be read.
/// </summary>
internal sealed class QueueHealthPart : ITaskFlowHealthPart
{
    private readonly QueueHeartbeat _heartbeat;
    private readonly TaskFlowProbeOptions _options;

    public QueueHealthPart(QueueHeartbeat heartbeat, TaskFlowProbeOptions options)
    {
        _heartbeat = heartbeat;
        _options = options;
    }

    public string Name => "queues";

    public Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var (worst, problems, data) = QueueVerdicts.Judge(_heartbeat.Latest, q => q.Queue, queue =>
        {
            var age = queue.OldestMessageAge;
            var status = queue.Consumers == 0 ? HealthStatus.Unhealthy
                : age > _options.UnhealthyAfter ? HealthStatus.Unhealthy
                : age > _options.DegradedAfter ? HealthStatus.Degraded
                : HealthStatus.Healthy;
            var text = $"{queue.Ready} ready, {queue.Consumers} consumer(s)" + (age is { } a ? $", oldest waiting {a.TotalSeconds:0.0} s" : string.Empty)
                + (queue.DeadLetters is > 0 ? $", {queue.DeadLetters} dead letter(s)" : string.Empty);
            return (status, text, queue.Consumers == 0 ? "no consumer; " + text : null);
        });

        if (_heartbeat.Problem is { } problem)
        {
            problems.Add($"queue figures not read: {problem}");
            worst = worst == HealthStatus.Healthy ? HealthStatus.Degraded : worst;
        }

        var description = problems.Count > 0 ? string.Join("; ", problems)
            : data.Count == 0 ? "No queue figures read yet."
            : $"{data.Count} queue(s) consumed.";
        return Task.FromResult(new HealthCheckResult(worst, description, data: data));
    }
}
