using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.Core;

namespace TaskFlow.Hosting;

/// <summary>
/// The <c>taskflow</c> health check: asks every part the configuration registered (the worker's consumers, the broker
/// connection, the state store, the probes) and reports the worst, with each part's status and description in its data
/// (<c>worker</c>, <c>broker</c>, <c>store</c>, <c>probe</c>; a probe's per-queue entries as <c>probe:{queue}</c>).
/// A part that throws or passes the check's timeout is Unhealthy with the reason.
/// </summary>
internal sealed class TaskFlowHealthCheck : IHealthCheck
{
    private static readonly TimeSpan PartTimeout = TimeSpan.FromSeconds(10);
    private readonly List<ITaskFlowHealthPart> _parts;

    public TaskFlowHealthCheck(IEnumerable<ITaskFlowHealthPart> parts)
    {
        _parts = parts.ToList();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_parts.Count == 0)
        {
            return HealthCheckResult.Unhealthy("Nothing of TaskFlow to check: AddHealthChecks().AddTaskFlow() needs services.AddTaskFlow(...) with .UseRabbitMq(...), .AddWorker(), .AddStateStore(...) or .AddProbe().");
        }

        var results = await Task.WhenAll(_parts.Select(part => CheckPartAsync(part, cancellationToken))).ConfigureAwait(false);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var worst = HealthStatus.Healthy;
        var problems = new List<string>();
        Exception? exception = null;
        for (var i = 0; i < _parts.Count; i++)
        {
            var (name, result) = (_parts[i].Name, results[i]);
            data[name] = $"{result.Status}: {result.Description}";
            foreach (var (key, value) in result.Data)
            {
                data[$"{name}:{key}"] = value;
            }

            if (result.Status < worst)
            {
                worst = result.Status;
            }

            if (result.Status != HealthStatus.Healthy)
            {
                problems.Add($"{name}: {result.Description}");
                exception ??= result.Exception;
            }
        }

        var description = problems.Count == 0
            ? $"TaskFlow healthy ({string.Join(", ", _parts.Select(p => p.Name))})."
            : string.Join(" | ", problems);
        return new HealthCheckResult(worst, description, exception, data);
    }

    private static async Task<HealthCheckResult> CheckPartAsync(ITaskFlowHealthPart part, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PartTimeout);
        try
        {
            return await part.CheckAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"no answer within {PartTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{ex.GetType().Name}: {ex.Message}", ex);
        }
    }
}
