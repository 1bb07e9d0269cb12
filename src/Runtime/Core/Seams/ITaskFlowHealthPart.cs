using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.Core;

/// <summary>
/// One part of the <c>taskflow</c> health check (<c>AddHealthChecks().AddTaskFlow()</c>): the worker's consumers, the
/// broker connection, the state store, the probes, the queues. Each step that adds a part registers it; the check
/// reports the worst part and every part's status in its data, so one registration covers whatever is configured.
/// </summary>
internal interface ITaskFlowHealthPart
{
    /// <summary>The part's name in the check's data (<c>worker</c>, <c>broker</c>, <c>store</c>, <c>probe</c>, <c>queues</c>).</summary>
    string Name { get; }

    Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken);
}
