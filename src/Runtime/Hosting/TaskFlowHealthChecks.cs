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
    /// Adds TaskFlow's health check under one name (default <c>taskflow</c>), covering whatever the configuration has:
    /// the worker's consumers (<c>AddWorker</c>: unhealthy while a queue has no live consumer), the broker connection
    /// (<c>UseRabbitMq</c>: unhealthy when it cannot connect, degraded while the broker blocks publishers), the state store
    /// (<c>AddStateStore</c>: unhealthy when unreachable or its schema is behind), and the probes (<c>AddProbe</c>: degraded
    /// or unhealthy when a queue's probe latency passes its thresholds). The check reports the worst part; its data has
    /// every part. See docs/operations.md.
    /// </summary>
    public static IHealthChecksBuilder AddTaskFlow(this IHealthChecksBuilder builder, string name = DefaultName, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<TaskFlowHealthCheck>(name, HealthStatus.Unhealthy, tags ?? Array.Empty<string>());
    }
}
