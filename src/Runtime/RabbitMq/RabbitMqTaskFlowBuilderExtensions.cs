using System;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Core;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq.Internal;

namespace TaskFlow.RabbitMq;

/// <summary>Chooses RabbitMQ as TaskFlow's transport: <c>services.AddTaskFlow(...).UseRabbitMq(...)</c>.</summary>
public static class RabbitMqTaskFlowBuilderExtensions
{
    /// <summary>Sends and consumes tasks through RabbitMQ (publisher confirms, quorum queues, delay levels, dead-letter queues).</summary>
    public static TaskFlowBuilder UseRabbitMq(this TaskFlowBuilder builder, Action<RabbitMqOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// As <see cref="UseRabbitMq(TaskFlowBuilder, Action{RabbitMqOptions})"/>, with the options bound from configuration
    /// (e.g. the <c>TaskFlow:RabbitMq</c> section); <paramref name="configure"/> runs after the binding. Unknown keys fail at start-up.
    /// </summary>
    public static TaskFlowBuilder UseRabbitMq(this TaskFlowBuilder builder, IConfiguration configuration, Action<RabbitMqOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        Register(builder.Services);
        builder.Services.AddOptions<RabbitMqOptions>().Configure(options => ConfigurationCheck.Bind(configuration, options, []));
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    private static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(BrokerConnections)))
        {
            return;
        }

        services.AddSingleton(new TransportRegistration("RabbitMQ", static sp => sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value.ConsumerTimeout));
        services.AddOptions<RabbitMqOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>());
        services.AddSingleton(sp => new BrokerConnections(sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value, sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.RabbitMq")));
        services.AddSingleton(sp => new Topology(sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value, sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.RabbitMq")));
        services.AddSingleton<ITaskFlowHealthPart>(sp => new BrokerHealthPart(sp.GetRequiredService<BrokerConnections>(), sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value));
        services.AddSingleton(sp => new ConfirmedPublisher(sp.GetRequiredService<BrokerConnections>(), sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RabbitMqSender(
            sp.GetRequiredService<ConfirmedPublisher>(),
            sp.GetRequiredService<BrokerConnections>(),
            sp.GetRequiredService<Topology>(),
            sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITaskSender>(sp => sp.GetRequiredService<RabbitMqSender>());
        services.AddSingleton(sp => new RabbitMqQueueAdmin(
            sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IQueueStatsReader>(sp => new RabbitMqQueueStatsReader(sp.GetRequiredService<RabbitMqQueueAdmin>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDeadLetterSource>(sp => new RabbitMqDeadLetterSource(sp.GetRequiredService<RabbitMqQueueAdmin>()));
        services.AddSingleton<IWorkerTransport>(sp => new RabbitMqWorkerTransport(
            sp.GetRequiredService<BrokerConnections>(),
            sp.GetRequiredService<Topology>(),
            sp.GetRequiredService<RabbitMqSender>(),
            new DeadLetterSender(
                sp.GetRequiredService<ConfirmedPublisher>(),
                sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
                sp.GetRequiredService<IOptions<TaskFlowWorkerOptions>>(),
                sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.RabbitMq")));
    }
}
