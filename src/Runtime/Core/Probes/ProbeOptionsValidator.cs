using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace TaskFlow.Core.Probes;

/// <summary>Start-up validation of <see cref="TaskFlowProbeOptions"/>: every message says what to change.</summary>
internal sealed class ProbeOptionsValidator : IValidateOptions<TaskFlowProbeOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskFlowProbeOptions options)
    {
        var errors = new List<string>();
        if (options.Interval <= TimeSpan.Zero)
        {
            errors.Add($"TaskFlowProbeOptions.Interval must be positive (it is {options.Interval}); e.g. 00:00:30.");
        }

        if (options.DegradedAfter <= TimeSpan.Zero)
        {
            errors.Add($"TaskFlowProbeOptions.DegradedAfter must be positive (it is {options.DegradedAfter}).");
        }

        if (options.UnhealthyAfter < options.DegradedAfter)
        {
            errors.Add($"TaskFlowProbeOptions.UnhealthyAfter ({options.UnhealthyAfter}) must not be shorter than DegradedAfter ({options.DegradedAfter}).");
        }

        foreach (var queue in options.Queues)
        {
            OptionChecks.Name(errors, "TaskFlowProbeOptions.Queues", queue);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
