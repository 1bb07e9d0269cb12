using System;
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
using TaskFlow.Scheduling;
using TaskFlow.State.Internal;

namespace TaskFlow.State;

/// <summary>Adds TaskFlow's state store: <c>services.AddTaskFlow(...).UseRabbitMq(...).AddStateStore(...)</c>.</summary>
public static class StateTaskFlowBuilderExtensions
{
    /// <summary>
    /// Adds the state store (<see cref="ITaskStateStore"/>, also as <see cref="TaskStateStore"/>): task states and results
    /// behind the handles, the idempotent consumer, revoke, entity locks and the transactional outbox, plus two hosted
    /// services (schema and cleanup; the outbox relay). E.g.
    /// <c>.AddStateStore(o => o.UsePostgreSql(NpgsqlDataSource.Create(cs)))</c>.
    /// </summary>
    public static TaskFlowBuilder AddStateStore(this TaskFlowBuilder builder, Action<TaskStateOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddStateStore((options, _) => configure(options));
    }

    /// <summary>
    /// As <see cref="AddStateStore(TaskFlowBuilder, Action{TaskStateOptions})"/>, configured with the service provider,
    /// e.g. to use a data source registered in DI: <c>AddStateStore((o, sp) => o.UsePostgreSql(sp.GetRequiredService&lt;NpgsqlDataSource&gt;()))</c>.
    /// </summary>
    public static TaskFlowBuilder AddStateStore(this TaskFlowBuilder builder, Action<TaskStateOptions, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        Register(builder.Services);
        builder.Services.AddOptions<TaskStateOptions>().Configure<IServiceProvider>((options, provider) => configure(options, provider));
        return builder;
    }

    /// <summary>
    /// As <see cref="AddStateStore(TaskFlowBuilder, Action{TaskStateOptions, IServiceProvider})"/>, with the options bound
    /// from configuration first (e.g. the <c>TaskFlow:State</c> section: <c>Schema</c>, <c>IgnoreResults</c>, <c>Tasks</c>,
    /// expiries, batch sizes...; unknown keys fail at start-up). The database itself is chosen in code by
    /// <paramref name="configure"/> (<c>o.UsePostgreSql(dataSource)</c>), since a connection factory is not configuration.
    /// </summary>
    public static TaskFlowBuilder AddStateStore(this TaskFlowBuilder builder, IConfiguration configuration, Action<TaskStateOptions, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configure);
        Register(builder.Services);
        builder.Services.AddOptions<TaskStateOptions>().Configure(options => ConfigurationCheck.Bind(configuration, options, []));
        builder.Services.AddOptions<TaskStateOptions>().Configure<IServiceProvider>((options, provider) => configure(options, provider));
        return builder;
    }

    private static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(TaskStateStore)))
        {
            return;
        }

        services.AddOptions<TaskStateOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskStateOptions>, TaskStateOptionsValidator>());
        services.AddSingleton(sp => new TaskStateStore(
            sp.GetRequiredService<IOptions<TaskStateOptions>>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            // Task records name the worker as its heartbeats do, unless configured otherwise: a lost worker's tasks are
            // found by it. Read at the first write, not here: the worker's options validation reaches the store.
            () => sp.GetService<IOptions<TaskFlowWorkerOptions>>()?.Value.WorkerName)
        {
            RelaySender = () => sp.GetRequiredService<ActiveSender>().Sender,
            Tasks = () => sp.GetService<TaskRegistry>(),
        });
        services.AddSingleton<ITaskStateStore>(sp => sp.GetRequiredService<TaskStateStore>());
        services.AddSingleton<ITaskLocks>(sp => new StateTaskLocks(sp.GetRequiredService<TaskStateStore>()));
        services.AddSingleton<IRateLimitStore>(sp => sp.GetRequiredService<TaskStateStore>().Database.RateLimits);
        services.AddSingleton<IOrderGate>(sp => sp.GetRequiredService<TaskStateStore>().Database.Order);
        // Periodic tasks: the schedules (ISchedules) and what the scheduler of AddScheduler() needs of the database.
        services.AddSingleton(sp => new ScheduleStore(sp.GetRequiredService<TaskStateStore>(), sp.GetService<TaskRegistry>()));
        services.AddSingleton<ISchedules>(sp => sp.GetRequiredService<ScheduleStore>());
        services.AddSingleton<IScheduleStore>(sp => sp.GetRequiredService<ScheduleStore>());
        services.AddSingleton<ITaskFlowHealthPart>(sp => new StoreHealthPart(sp.GetRequiredService<TaskStateStore>()));
        services.AddSingleton<IPausedQueues>(sp => new StorePausedQueues(sp.GetRequiredService<TaskStateStore>()));
        services.Replace(ServiceDescriptor.Singleton<ITaskStateRecorder>(sp => sp.GetRequiredService<TaskStateStore>().Recorder));
        services.AddSingleton<IHostedService>(sp => new StateMaintenance(sp.GetRequiredService<TaskStateStore>()));
        services.AddSingleton<IHostedService>(sp => new WorkerHeartbeat(sp.GetRequiredService<TaskStateStore>(), sp));
        services.AddSingleton<IHostedService>(sp => new OutboxRelay(
            sp.GetRequiredService<TaskStateStore>(),
            sp.GetRequiredService<ActiveSender>().Sender,
            sp.GetRequiredService<IOptions<TaskFlowOptions>>()));
    }
}
