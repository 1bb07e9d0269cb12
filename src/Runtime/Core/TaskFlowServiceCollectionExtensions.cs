using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Core;

namespace TaskFlow;

/// <summary>Registers TaskFlow in a service collection: the first step of <c>services.AddTaskFlow(...).UseRabbitMq(...)...</c>.</summary>
public static class TaskFlowServiceCollectionExtensions
{
    /// <summary>
    /// Adds TaskFlow's core: the task client (<see cref="ITaskClient"/>, used by the generated proxies), the executor and
    /// the options. Chain <c>.UseRabbitMq(...)</c> for the transport (or set <see cref="TaskFlowOptions.Eager"/>), the
    /// generated <c>.Add{Assembly}Tasks()</c>, and <c>.AddStateStore(...)</c>/<c>.AddWorker(...)</c> as needed.
    /// </summary>
    public static TaskFlowBuilder AddTaskFlow(this IServiceCollection services, Action<TaskFlowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = CoreServices.Add(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Adds TaskFlow's core with its options bound from configuration (the <c>TaskFlow</c> section: <c>DefaultQueue</c>,
    /// <c>Eager</c>, <c>DefaultRetryPolicy</c>, <c>RetryPolicies</c>). The section's <c>RabbitMq</c>, <c>State</c> and
    /// <c>Worker</c> subsections belong to the later steps; any other unknown key fails at start-up.
    /// </summary>
    public static TaskFlowBuilder AddTaskFlow(this IServiceCollection services, IConfiguration configuration, Action<TaskFlowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = CoreServices.Add(services);
        services.AddOptions<TaskFlowOptions>().Configure(options => ConfigurationCheck.Bind(configuration, options, CoreServices.StepSections));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }
}
