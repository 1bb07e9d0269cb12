using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.Hosting;

/// <summary>
/// Unhealthy when a queue of this worker has no live consumer: a worker that is connected but idle is
/// the failure mode this check exists for. A queue paused by an operator is intended and stays healthy. The data lists
/// each queue (consuming, paused, not consuming).
/// </summary>
public sealed class TaskFlowWorkerHealthCheck : IHealthCheck
{
    private readonly TaskFlowWorkerStatus _status;

    /// <summary>Creates the check.</summary>
    public TaskFlowWorkerHealthCheck(TaskFlowWorkerStatus status)
    {
        _status = status;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var queues = _status.Queues;
        var paused = _status.PausedQueues.ToHashSet(StringComparer.Ordinal);
        var data = queues.ToDictionary(q => q.Key, q => (object)(q.Value ? "consuming" : paused.Contains(q.Key) ? "paused" : "not consuming"), StringComparer.Ordinal);
        if (queues.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The TaskFlow worker has not started consuming yet.", data: data));
        }

        var idle = queues.Where(q => !q.Value && !paused.Contains(q.Key)).Select(q => q.Key).OrderBy(q => q, StringComparer.Ordinal).ToList();
        return Task.FromResult(idle.Count == 0
            ? HealthCheckResult.Healthy(paused.Count == 0 ? $"Consuming {queues.Count} queue(s)." : $"Consuming {queues.Count - paused.Count} queue(s); paused: {string.Join(", ", paused.OrderBy(q => q, StringComparer.Ordinal))}.", data)
            : HealthCheckResult.Unhealthy($"Not consuming: {string.Join(", ", idle)}.", data: data));
    }
}
