using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Options;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.Hosting;

/// <summary>Start-up validation of <see cref="TaskFlowWorkerOptions"/>: every message says what to change.</summary>
internal sealed class TaskFlowWorkerOptionsValidator : IValidateOptions<TaskFlowWorkerOptions>
{
    private readonly TaskRegistry _registry;
    private readonly bool _hasTransport;
    private readonly LongRunningTasks _longRunning;
    private readonly ConcurrencyLimits _limits;
    private readonly RateLimits _rates;

    public TaskFlowWorkerOptionsValidator(TaskRegistry registry, IEnumerable<TransportRegistration> transports, LongRunningTasks longRunning, ConcurrencyLimits limits, RateLimits rates)
    {
        _limits = limits;
        _rates = rates;
        _registry = registry;
        _longRunning = longRunning;
        using var enumerator = transports.GetEnumerator();
        _hasTransport = enumerator.MoveNext();
    }

    public ValidateOptionsResult Validate(string? name, TaskFlowWorkerOptions options)
    {
        var errors = new List<string>();
        if (!_hasTransport)
        {
            errors.Add("The TaskFlow worker has no transport to consume from: chain .UseRabbitMq(...) after services.AddTaskFlow(...).");
        }

        if (_registry.Tasks.All(Core.Probes.ProbeTask.IsBuiltIn))
        {
            errors.Add("The TaskFlow worker has no tasks to run: chain the generated .Add{Assembly}Tasks() (e.g. .AddSignupTasks()) after services.AddTaskFlow(...), in the project that references the task library.");
        }

        try
        {
            errors.AddRange(_longRunning.Problems(_registry.Tasks));
            errors.AddRange(_limits.Problems(_registry.Tasks));
            errors.AddRange(_rates.Problems(_registry.Tasks));
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            // The core or transport options are invalid themselves: their own validation reports it.
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var queue in options.Queues)
        {
            if (queue is null || string.IsNullOrWhiteSpace(queue.Name))
            {
                errors.Add("A worker queue has no name; pass one to TaskFlowWorkerOptions.AddQueue(\"name\") or set Name in configuration.");
                continue;
            }

            if (!seen.Add(queue.Name))
            {
                errors.Add($"Worker queue '{queue.Name}' is configured twice; configure each queue once.");
            }

            OptionChecks.Range(errors, $"Worker queue '{queue.Name}': Concurrency", queue.Concurrency, 1, TaskFlowDefaults.MaxConcurrency);
            if (queue.Prefetch is { } prefetch)
            {
                if (prefetch is < 1 or > ushort.MaxValue)
                {
                    errors.Add($"Worker queue '{queue.Name}': Prefetch must be between 1 and 65535 (got {prefetch}).");
                }
                else if (prefetch < queue.Concurrency)
                {
                    errors.Add($"Worker queue '{queue.Name}': Prefetch ({prefetch}) is lower than Concurrency ({queue.Concurrency}), so some task slots could never be used; raise Prefetch to at least {queue.Concurrency} or leave it unset (4 x Concurrency; with a state store at least Concurrency + max(Concurrency, 64)).");
                }
            }
        }

        OptionChecks.NotNegative(errors, "TaskFlowWorkerOptions.ShutdownGracePeriod", options.ShutdownGracePeriod);
        OptionChecks.NotNegative(errors, "TaskFlowWorkerOptions.ShutdownCancellationWait", options.ShutdownCancellationWait);
        if (string.IsNullOrWhiteSpace(options.WorkerName))
        {
            errors.Add("TaskFlowWorkerOptions.WorkerName must not be empty.");
        }

        if (options.MaxStackTraceLength < 0)
        {
            errors.Add($"TaskFlowWorkerOptions.MaxStackTraceLength must not be negative (got {options.MaxStackTraceLength}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
