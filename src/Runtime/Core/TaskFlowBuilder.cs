using System;
using System.ComponentModel;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    /// Hands every task message this service provider sends to <paramref name="sink"/>: in place of the transport when
    /// <paramref name="replaceTransport"/> (an in-process transport: no broker is needed, eager mode is off), else after
    /// the transport (or eager mode) sent it. Used by <c>TaskFlow.Testing</c>'s <c>AddTaskFlowTestHarness()</c>; run what it
    /// receives with <see cref="TaskMessageRunner"/> (registered by <c>AddTaskFlow</c>).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskFlowBuilder UseMessageSink(Func<IServiceProvider, ITaskMessageSink> sink, bool replaceTransport)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (replaceTransport)
        {
            // Counts as the transport for start-up validation (a worker still needs a real one).
            Services.AddSingleton(new TransportRegistration("in-process"));
        }

        Services.Replace(ServiceDescriptor.Singleton(sp => new ActiveSender(
            new SinkSender(sink(sp), replaceTransport ? null : CoreServices.SenderOf(sp)))));
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

    /// <summary>
    /// Adds the probe: every <see cref="TaskFlowProbeOptions.Interval"/> a tiny built-in task (<c>taskflow.probe</c>) is
    /// sent to each queue (the registered tasks' queues and the default queue unless <see cref="TaskFlowProbeOptions.Queues"/>
    /// names them) and its enqueue -> run latency measured on the real path. Workers always run probes and record
    /// <c>taskflow.probe.latency</c>; with a state store this process reads each answer, exports <c>taskflow.probe.age</c> and
    /// adds the <c>probe</c> part to the <c>taskflow</c> health check. Add it to one process per deployment (e.g. the web app
    /// or one worker): every process that adds it sends its own probes.
    /// </summary>
    public TaskFlowBuilder AddProbe(Action<TaskFlowProbeOptions>? configure = null)
    {
        RegisterProbe();
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        return this;
    }

    /// <summary>Adds the probe (<see cref="AddProbe(Action{TaskFlowProbeOptions})"/>) with its options bound from configuration (e.g. the <c>TaskFlow:Probe</c> section). Unknown keys fail at start-up.</summary>
    public TaskFlowBuilder AddProbe(IConfiguration configuration, Action<TaskFlowProbeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        RegisterProbe();
        Services.AddOptions<TaskFlowProbeOptions>().Configure(options => ConfigurationCheck.Bind(configuration, options, []));
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        return this;
    }

    private void RegisterProbe()
    {
        if (Services.Any(d => d.ServiceType == typeof(Core.Probes.ProbeMonitor)))
        {
            return;
        }

        Services.AddOptions<TaskFlowProbeOptions>().ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskFlowProbeOptions>, Core.Probes.ProbeOptionsValidator>());
        Services.AddSingleton(sp => new Core.Probes.ProbeMonitor(sp.GetRequiredService<TimeProvider>()));
        Services.AddSingleton<Core.Probes.QueueHeartbeat>();
        Services.AddSingleton<IHostedService>(sp => new Core.Probes.ProbeService(
            sp.GetRequiredService<ITaskClient>(),
            Registry,
            sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value,
            sp.GetRequiredService<IOptions<TaskFlowProbeOptions>>().Value,
            sp.GetRequiredService<Core.Probes.ProbeMonitor>(),
            sp.GetRequiredService<Core.Probes.QueueHeartbeat>(),
            sp.GetService<IQueueStatsReader>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.Probe")));
        Services.AddSingleton<ITaskFlowHealthPart>(sp => new Core.Probes.QueueHealthPart(
            sp.GetRequiredService<Core.Probes.QueueHeartbeat>(),
            sp.GetRequiredService<IOptions<TaskFlowProbeOptions>>().Value));
        Services.AddSingleton<ITaskFlowHealthPart>(sp => new Core.Probes.ProbeHealthPart(
            sp.GetRequiredService<Core.Probes.ProbeMonitor>(),
            sp.GetRequiredService<IOptions<TaskFlowProbeOptions>>().Value,
            sp.GetService<IPausedQueues>()));
    }
}
