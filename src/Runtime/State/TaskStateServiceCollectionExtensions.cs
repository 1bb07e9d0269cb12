using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Internal;
using TaskFlow.State;
using TaskFlow.State.Internal;

namespace TaskFlow;

/// <summary>Registers TaskFlow's state store.</summary>
public static class TaskStateServiceCollectionExtensions
{
    /// <summary>
    /// Adds the state store (<see cref="TaskStateStore"/>): task states and results behind the handles, the
    /// idempotent consumer, revoke, entity locks and the transactional outbox, plus two hosted services
    /// (schema and cleanup; the outbox relay). E.g.
    /// <c>services.AddTaskFlow(...).AddSignupTasks().AddStateStore(o => o.UsePostgreSql(NpgsqlDataSource.Create(cs)))</c>.
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
        var services = builder.Services;
        services.AddOptions<TaskStateOptions>().Configure<IServiceProvider>((options, provider) => configure(options, provider));
        if (services.Any(d => d.ServiceType == typeof(TaskStateStore)))
        {
            return builder;
        }

        services.AddOptions<TaskStateOptions>().Validate(o =>
        {
            o.Validate();
            return true;
        });
        services.TryAddSingleton(sp => new TaskStateStore(
            sp.GetRequiredService<IOptions<TaskStateOptions>>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<TaskRegistry>()));
        services.AddSingleton<IHostedService>(sp => new StateMaintenance(sp.GetRequiredService<TaskStateStore>()));
        services.AddSingleton<IHostedService>(sp => new OutboxRelay(
            sp.GetRequiredService<TaskStateStore>(),
            sp.GetRequiredService<MessageRouter>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>()));
        return builder;
    }
}
