using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Core.Internal;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>The core's registrations, made once per service collection by <c>AddTaskFlow</c>.</summary>
internal static class CoreServices
{
    /// <summary>The subsections of the <c>TaskFlow</c> configuration section that belong to the later steps.</summary>
    public static readonly string[] StepSections = ["RabbitMq", "State", "Worker"];

    public static TaskFlowBuilder Add(IServiceCollection services)
    {
        var registry = services.FirstOrDefault(d => d.ServiceType == typeof(TaskRegistry))?.ImplementationInstance as TaskRegistry;
        if (registry is not null)
        {
            return new TaskFlowBuilder(services, registry);
        }

        registry = new TaskRegistry();
        registry.Add(Probes.ProbeTask.Descriptor);
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
        services.AddOptions<TransportCheck>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransportCheck>, TransportCheckValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransportCheck>, UniqueTasksCheckValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransportCheck>, OrderedTasksCheckValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITaskStateRecorder>(NoStateRecorder.Instance);
        services.TryAddSingleton(sp => new TaskExecutor(
            registry,
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ITaskStateRecorder>(),
            sp.GetRequiredService<LongRunningTasks>(),
            sp.GetRequiredService<ConcurrencyLimits>(),
            sp.GetRequiredService<RateLimits>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.Tasks"))
        {
            Ordered = new OrderedTasks(sp.GetService<IOrderGate>()),
        });
        services.TryAddSingleton(sp => new ConcurrencyLimits(sp.GetService<ITaskLocks>()));
        services.TryAddSingleton(sp => new RateLimits(sp.GetService<IRateLimitStore>()));
        services.TryAddSingleton(sp => new LongRunningTasks(
            sp.GetRequiredService<ITaskStateRecorder>(),
            () => sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value,
            () => sp.GetServices<TransportRegistration>().Select(t => t.ConsumerTimeout?.Invoke(sp)).FirstOrDefault(t => t is not null)));
        services.TryAddSingleton(sp => new TaskProcessor(
            sp.GetRequiredService<TaskExecutor>(),
            sp.GetRequiredService<ITaskStateRecorder>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.Tasks"),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.Tasks.Summary"),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ActiveSender(SenderOf(sp)));
        services.TryAddSingleton(sp => new TaskMessageRunner(sp.GetRequiredService<TaskProcessor>()));
        services.TryAddSingleton<ITaskClient>(sp => new TaskClient(
            sp.GetRequiredService<ActiveSender>().Sender,
            sp.GetRequiredService<ITaskStateRecorder>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.Client")));
        return new TaskFlowBuilder(services, registry);
    }

    /// <summary>Eager mode runs tasks inline; otherwise the transport's sender (<c>UseRabbitMq</c>).</summary>
    internal static ITaskSender SenderOf(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<TaskFlowOptions>>().Value.Eager)
        {
            var processor = services.GetRequiredService<TaskProcessor>();
            // Without a state store, results are kept in memory (bounded) so that handles can read them.
            return new EagerSender(processor, processor.RecordsState ? null : new EagerResults(
                services.GetRequiredService<IOptions<TaskFlowOptions>>().Value.SerializerOptions,
                services.GetRequiredService<TimeProvider>()));
        }

        return services.GetService<ITaskSender>() ?? throw new InvalidOperationException(NoTransport);
    }

    public const string NoTransport =
        "TaskFlow has no transport to send tasks with: chain .UseRabbitMq(...) after services.AddTaskFlow(...) " +
        "(or set TaskFlowOptions.Eager = true to run tasks inline in tests and development).";
}
