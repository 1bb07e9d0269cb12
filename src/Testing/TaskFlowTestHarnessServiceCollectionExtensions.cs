using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace TaskFlow.Testing;

/// <summary>Registers TaskFlow's test harness: <c>services.AddTaskFlowTestHarness()</c>.</summary>
public static class TaskFlowTestHarnessServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="TaskFlowTestHarness"/> after <c>AddTaskFlow(...).Add{Assembly}Tasks()</c>. In-process (the
    /// default) it replaces the transport (no broker is needed; eager mode is off), removes the worker's and the probe's
    /// hosted services (add the harness after them),
    /// and makes a <see cref="FakeTimeProvider"/> the provider's clock. With
    /// <see cref="TaskFlowTestHarnessOptions.UseTransport"/> it keeps the transport and the worker and records what they do.
    /// </summary>
    public static IServiceCollection AddTaskFlowTestHarness(this IServiceCollection services, Action<TaskFlowTestHarnessOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(TaskFlowTestHarness)))
        {
            throw new InvalidOperationException("TaskFlow.Testing: AddTaskFlowTestHarness was called twice on one service collection.");
        }

        var options = new TaskFlowTestHarnessOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRunsUntilIdle, 1, nameof(options.MaxRunsUntilIdle));
        var builder = services.AddTaskFlow();
        FakeTimeProvider? time = null;
        if (!options.UseTransport)
        {
            time = options.TimeProvider
                ?? services.LastOrDefault(d => d.ServiceType == typeof(TimeProvider))?.ImplementationInstance as FakeTimeProvider
                ?? new FakeTimeProvider(TimeProvider.System.GetUtcNow());
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            // The harness is the transport: a worker would consume from a broker that the test does not use, and the
            // probe (AddProbe) measures the broker's round trip and would add its own sends to the recorded ones.
            foreach (var worker in services.Where(IsWorkerOrProbe).ToList())
            {
                services.Remove(worker);
            }

            services.PostConfigure<TaskFlowOptions>(o => o.Eager = false);
        }

        services.AddSingleton(sp => new TaskFlowTestHarness(sp, options, time));
        builder.UseMessageSink(sp => sp.GetRequiredService<TaskFlowTestHarness>(), replaceTransport: !options.UseTransport);
        return services;
    }

    // Registered by WorkerServices.Add (AddWorker) and TaskFlowBuilder.AddProbe, the only hosted services of the core.
    private static bool IsWorkerOrProbe(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IHostedService)
        && descriptor.ImplementationFactory?.Method.DeclaringType?.FullName is { } type
        && (type.StartsWith("TaskFlow.Hosting.WorkerServices", StringComparison.Ordinal) || type.StartsWith("TaskFlow.TaskFlowBuilder", StringComparison.Ordinal));
}
