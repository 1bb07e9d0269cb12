using System;
using System.ComponentModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Core;
using TaskFlow.Hosting;
using TaskFlow.Infrastructure;

namespace TaskFlow;

/// <summary>
/// Returned by <c>services.AddTaskFlow(...)</c>; every further step hangs off it:
/// <c>.UseRabbitMq(...)</c>, the generated <c>.Add{Assembly}Tasks()</c>, <c>.AddStateStore(...)</c>, <c>.AddWorker(...)</c>.
/// Each step has an <see cref="IConfiguration"/> overload.
/// </summary>
public sealed class TaskFlowBuilder
{
    internal TaskFlowBuilder(IServiceCollection services, TaskRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    internal TaskRegistry Registry { get; }

    /// <summary>Registers one task so that workers can run it and eager mode can dispatch it. Called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskFlowBuilder AddTask(TaskDescriptor task)
    {
        ArgumentNullException.ThrowIfNull(task);
        Registry.Add(task);
        return this;
    }

    /// <summary>
    /// Adds the worker: a hosted service that consumes queues and runs the registered tasks, through the transport
    /// (<c>UseRabbitMq</c>).
    /// </summary>
    public TaskFlowBuilder AddWorker(Action<TaskFlowWorkerOptions>? configure = null)
    {
        WorkerServices.Add(Services);
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        return this;
    }

    /// <summary>
    /// Adds the worker with its options bound from configuration (e.g. the <c>TaskFlow:Worker</c> section: <c>Queues</c>,
    /// <c>ShutdownGracePeriod</c>...); <paramref name="configure"/> runs after the binding. Unknown keys fail at start-up.
    /// </summary>
    public TaskFlowBuilder AddWorker(IConfiguration configuration, Action<TaskFlowWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        WorkerServices.Add(Services);
        Services.AddOptions<TaskFlowWorkerOptions>().Configure(options => ConfigurationCheck.Bind(configuration, options, []));
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        return this;
    }
}
