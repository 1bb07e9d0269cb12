using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.Core;

namespace TaskFlow.Hosting;

/// <summary>The worker part of the <c>taskflow</c> health check: unhealthy while a queue of this worker has no live consumer.</summary>
internal sealed class WorkerHealthPart : ITaskFlowHealthPart
{
    private readonly TaskFlowWorkerHealthCheck _check;

    public WorkerHealthPart(TaskFlowWorkerStatus status)
    {
        _check = new TaskFlowWorkerHealthCheck(status);
    }

    public string Name => "worker";

    public Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken) => _check.CheckHealthAsync(new HealthCheckContext(), cancellationToken);
}
