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
