using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.Hosting;

/// <summary>The worker's registrations, made once by <see cref="TaskFlowBuilder.AddWorker(Action{TaskFlowWorkerOptions})"/>.</summary>
internal static class WorkerServices
{
    public static void Add(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(TaskFlowWorker)))
        {
            return;
        }

        services.AddOptions<TaskFlowWorkerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskFlowWorkerOptions>, TaskFlowWorkerOptionsValidator>());
        services.TryAddSingleton<TaskFlowWorkerStatus>();
        services.AddSingleton(sp => new TaskFlowWorker(
            sp.GetRequiredService<IWorkerTransport>(),
            sp.GetRequiredService<TaskProcessor>(),
            sp.GetRequiredService<LongRunningTasks>(),
            sp.GetRequiredService<TaskFlowWorkerStatus>(),
            sp.GetRequiredService<TaskRegistry>(),
            sp.GetRequiredService<IOptions<TaskFlowOptions>>(),
            sp.GetRequiredService<IOptions<TaskFlowWorkerOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TaskFlowWorker>>(),
            sp.GetService<IPausedQueues>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<TaskFlowWorker>());
        services.AddSingleton<ITaskFlowHealthPart>(sp => new WorkerHealthPart(sp.GetRequiredService<TaskFlowWorkerStatus>()));

        // The host must wait at least as long as the worker's own shutdown.
        services.AddOptions<HostOptions>().PostConfigure<IOptions<TaskFlowWorkerOptions>>((host, worker) =>
        {
            TaskFlowWorkerOptions value;
            try
            {
                value = worker.Value;
            }
            catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
            {
                return; // invalid or unbindable options: reported by ValidateOnStart when the host starts
            }

            var needed = value.ShutdownGracePeriod + value.ShutdownCancellationWait + TimeSpan.FromSeconds(5);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
    }
}
