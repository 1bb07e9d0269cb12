using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.Hosting;

/// <summary>Registers TaskFlow's health check.</summary>
public static class TaskFlowHealthChecksBuilderExtensions
{
    /// <summary>The name TaskFlow's health check is registered under unless told otherwise: <c>taskflow</c>.</summary>
    public const string DefaultName = "taskflow";

    /// <summary>
    /// Adds <see cref="TaskFlowWorkerHealthCheck"/> under one name (default <c>taskflow</c>): unhealthy while a queue of
    /// this worker has no live consumer (needs <c>AddWorker</c>).
    /// </summary>
    public static IHealthChecksBuilder AddTaskFlow(this IHealthChecksBuilder builder, string name = DefaultName, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<TaskFlowWorkerHealthCheck>(name, HealthStatus.Unhealthy, tags ?? Array.Empty<string>());
    }
}
