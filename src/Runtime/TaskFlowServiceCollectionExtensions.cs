using System;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskFlow.Hosting;
using TaskFlow.Internal;

namespace TaskFlow;

/// <summary>Registers TaskFlow in a service collection.</summary>
public static class TaskFlowServiceCollectionExtensions
{
    /// <summary>
    /// Adds the TaskFlow client (<see cref="ITaskClient"/>): the RabbitMQ publisher, or the eager runner when
    /// <see cref="TaskFlowOptions.Eager"/> is set. Chain the generated <c>Add{Assembly}Tasks()</c> to register tasks.
    /// </summary>
    public static TaskFlowBuilder AddTaskFlow(this IServiceCollection services, Action<TaskFlowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Adds the TaskFlow client with options bound from configuration (e.g. the <c>TaskFlow</c> section).</summary>
    public static TaskFlowBuilder AddTaskFlow(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services);
        services.Configure<TaskFlowOptions>(configuration);
        return builder;
    }

    /// <summary>
    /// Adds the worker: a hosted service that consumes queues and runs the registered tasks. Call
    /// <see cref="AddTaskFlow(IServiceCollection, Action{TaskFlowOptions})"/> too.
    /// </summary>
    public static IServiceCollection AddTaskFlowWorker(this IServiceCollection services, Action<TaskFlowWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        services.AddOptions<TaskFlowWorkerOptions>().ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskFlowWorkerOptions>, TaskFlowWorkerOptionsValidator>());
        services.TryAddSingleton<TaskFlowWorkerStatus>();
        services.TryAddSingleton<DeadLetters>();
        services.TryAddSingleton<Redelivery>();
        services.TryAddSingleton(sp => new TaskFlowWorker(
            sp.GetRequiredService<BrokerConnections>(),
            sp.GetRequiredService<Topology>(),
            sp.GetRequiredService<TaskExecutor>(),
            sp.GetRequiredService<DeadLetters>(),
            sp.GetRequiredService<Redelivery>(),
            sp.GetRequiredService<TaskFlowWorkerStatus>(),
            sp.GetRequiredService<TaskRegistry>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>(),
            sp.GetRequiredService<IOptions<TaskFlowWorkerOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<TaskFlowWorker>>()));
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.DeclaringType == typeof(TaskFlowServiceCollectionExtensions)))
        {
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<TaskFlowWorker>());
        }

        // The host must wait at least as long as the worker's own shutdown.
        services.AddOptions<HostOptions>().PostConfigure<IOptions<TaskFlowWorkerOptions>>((host, worker) =>
        {
            TaskFlowWorkerOptions value;
            try
            {
                value = worker.Value;
            }
            catch (OptionsValidationException)
            {
                return; // reported by ValidateOnStart when the host starts
            }

            var needed = value.ShutdownGracePeriod + value.ShutdownCancellationWait + TimeSpan.FromSeconds(5);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        return services;
    }

    private static TaskFlowBuilder AddCore(IServiceCollection services)
    {
        var registry = services.FirstOrDefault(d => d.ServiceType == typeof(TaskRegistry))?.ImplementationInstance as TaskRegistry;
        if (registry is null)
        {
            registry = new TaskRegistry();
            services.AddSingleton(registry);
            services.AddOptions<TaskFlowOptions>().ValidateOnStart().PostConfigure(options =>
            {
                // Options assigned without a resolver get the reflection-based default (STJ's own default).
                if (options.SerializerOptions is { TypeInfoResolver: null, IsReadOnly: false } serializer)
                {
                    serializer.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
                }
            });
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskFlowOptions>, TaskFlowOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<BrokerConnections>();
            services.TryAddSingleton<Topology>();
            services.TryAddSingleton<MessageRouter>();
            services.TryAddSingleton<ConfirmedPublisher>();
            services.TryAddSingleton<TaskExecutor>();
            services.TryAddSingleton<RabbitMqTaskClient>();
            services.TryAddSingleton<EagerTaskClient>();
            services.TryAddSingleton<ITaskClient>(sp => sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value.Eager
                ? sp.GetRequiredService<EagerTaskClient>()
                : sp.GetRequiredService<RabbitMqTaskClient>());
        }

        return new TaskFlowBuilder(services, registry);
    }
}
