using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace TaskFlow.Core.Internal;

/// <summary>Start-up validation of <see cref="TaskFlowOptions"/>: every message says what to change.</summary>
internal sealed class TaskFlowOptionsValidator : IValidateOptions<TaskFlowOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskFlowOptions options)
    {
        var errors = new List<string>();
        OptionChecks.Name(errors, "TaskFlowOptions.DefaultQueue", options.DefaultQueue);
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
            if (policy is null)
            {
                errors.Add($"TaskFlowOptions.RetryPolicies[\"{task}\"] must not be null.");
                continue;
            }

            errors.AddRange(policy.Validate($"TaskFlowOptions.RetryPolicies[\"{task}\"]"));
        }

        if (options.SerializerOptions is null)
        {
            errors.Add("TaskFlowOptions.SerializerOptions must not be null; leave the default or assign a JsonSerializerOptions.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What the start-up check of the transport validates (nothing to configure: it only has to be resolved when the host starts).</summary>
internal sealed class TransportCheck
{
}

/// <summary>
/// At host start-up: a transport is registered (<c>UseRabbitMq</c>) unless tasks run inline (eager mode). Not part of
/// <see cref="TaskFlowOptionsValidator"/>, so that code reading <see cref="TaskFlowOptions"/> without a host (schema
/// tooling, a state-store-only process) is not refused.
/// </summary>
internal sealed class TransportCheckValidator : IValidateOptions<TransportCheck>
{
    private readonly bool _hasTransport;
    private readonly IOptions<TaskFlowOptions> _options;

    public TransportCheckValidator(IEnumerable<TransportRegistration> transports, IOptions<TaskFlowOptions> options)
    {
        using var enumerator = transports.GetEnumerator();
        _hasTransport = enumerator.MoveNext();
        _options = options;
    }

    public ValidateOptionsResult Validate(string? name, TransportCheck options) =>
        _hasTransport || _options.Value.Eager ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(CoreServices.NoTransport);
}
