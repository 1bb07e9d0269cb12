using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace TaskFlow.Internal;

/// <summary>Start-up validation of <see cref="TaskFlowOptions"/>: every message says what to change.</summary>
internal sealed class TaskFlowOptionsValidator : IValidateOptions<TaskFlowOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskFlowOptions options)
    {
        var errors = new List<string>();
        if (options.ConnectionUri is null || !options.ConnectionUri.IsAbsoluteUri || (options.ConnectionUri.Scheme != "amqp" && options.ConnectionUri.Scheme != "amqps"))
        {
            errors.Add($"TaskFlowOptions.ConnectionUri must be an absolute amqp:// or amqps:// URI (got '{options.ConnectionUri}'), e.g. amqp://guest:guest@127.0.0.1:5672/.");
        }

        RequireName(errors, nameof(options.ExchangeName), options.ExchangeName);
        RequireName(errors, nameof(options.DeadLetterExchangeName), options.DeadLetterExchangeName);
        RequireName(errors, nameof(options.DefaultQueue), options.DefaultQueue);
        RequireName(errors, nameof(options.DelayExchangePrefix), options.DelayExchangePrefix);
        RequireName(errors, nameof(options.DeadLetterQueueSuffix), options.DeadLetterQueueSuffix);
        if (string.Equals(options.ExchangeName, options.DeadLetterExchangeName, StringComparison.Ordinal))
        {
            errors.Add($"TaskFlowOptions.ExchangeName and DeadLetterExchangeName are both '{options.ExchangeName}'; give the dead-letter exchange its own name.");
        }

        if (options.DeliveryLimit < 1)
        {
            errors.Add($"TaskFlowOptions.DeliveryLimit must be at least 1 (got {options.DeliveryLimit}); it bounds redeliveries of a message that keeps crashing workers.");
        }

        if (options.PublishChannels is < 1 or > 64)
        {
            errors.Add($"TaskFlowOptions.PublishChannels must be between 1 and 64 (got {options.PublishChannels}).");
        }

        if (options.MaxUnconfirmedPublishesPerChannel is < 1 or > 10_000)
        {
            errors.Add($"TaskFlowOptions.MaxUnconfirmedPublishesPerChannel must be between 1 and 10000 (got {options.MaxUnconfirmedPublishesPerChannel}).");
        }

        if (options.PublishTimeout <= TimeSpan.Zero)
        {
            errors.Add($"TaskFlowOptions.PublishTimeout must be positive (got {options.PublishTimeout}).");
        }

        if (options.PublishRetryTimeout < TimeSpan.Zero)
        {
            errors.Add($"TaskFlowOptions.PublishRetryTimeout must not be negative (got {options.PublishRetryTimeout}); use TimeSpan.Zero to fail at once while the broker is down.");
        }

        if (options.MaxBufferedPublishes < 0)
        {
            errors.Add($"TaskFlowOptions.MaxBufferedPublishes must not be negative (got {options.MaxBufferedPublishes}).");
        }

        if (options.DefaultRetryPolicy is null)
        {
            errors.Add("TaskFlowOptions.DefaultRetryPolicy must not be null; use RetryPolicy.None for no retries.");
        }
        else
        {
            errors.AddRange(options.DefaultRetryPolicy.Validate("TaskFlowOptions.DefaultRetryPolicy"));
        }

        foreach (var (task, policy) in options.RetryPolicies)
        {
            errors.AddRange(policy.Validate($"TaskFlowOptions.RetryPolicies[\"{task}\"]"));
        }

        if (options.SerializerOptions is null)
        {
            errors.Add("TaskFlowOptions.SerializerOptions must not be null; leave the default or assign a JsonSerializerOptions.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireName(List<string> errors, string property, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"TaskFlowOptions.{property} must not be empty.");
        }
        else if (value.Length > 200)
        {
            errors.Add($"TaskFlowOptions.{property} is longer than 200 characters; RabbitMQ names are limited to 255 bytes including suffixes.");
        }
    }
}

/// <summary>Start-up validation of <see cref="TaskFlowWorkerOptions"/>.</summary>
internal sealed class TaskFlowWorkerOptionsValidator : IValidateOptions<TaskFlowWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskFlowWorkerOptions options)
    {
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var queue in options.Queues)
        {
            if (string.IsNullOrWhiteSpace(queue.Name))
            {
                errors.Add("A worker queue has no name; pass one to TaskFlowWorkerOptions.AddQueue(\"name\").");
                continue;
            }

            if (!seen.Add(queue.Name))
            {
                errors.Add($"Worker queue '{queue.Name}' is configured twice; configure each queue once.");
            }

            if (queue.Concurrency is < 1 or > 1024)
            {
                errors.Add($"Worker queue '{queue.Name}': Concurrency must be between 1 and 1024 (got {queue.Concurrency}).");
            }

            if (queue.Prefetch is < 1 or > ushort.MaxValue)
            {
                errors.Add($"Worker queue '{queue.Name}': Prefetch must be between 1 and 65535 (got {queue.Prefetch}).");
            }
            else if (queue.Prefetch < queue.Concurrency)
            {
                errors.Add($"Worker queue '{queue.Name}': Prefetch ({queue.Prefetch}) is lower than Concurrency ({queue.Concurrency}), so some task slots could never be used; raise Prefetch to at least {queue.Concurrency}.");
            }
        }

        if (options.ShutdownGracePeriod < TimeSpan.Zero)
        {
            errors.Add($"TaskFlowWorkerOptions.ShutdownGracePeriod must not be negative (got {options.ShutdownGracePeriod}).");
        }

        if (string.IsNullOrWhiteSpace(options.WorkerName))
        {
            errors.Add("TaskFlowWorkerOptions.WorkerName must not be empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
