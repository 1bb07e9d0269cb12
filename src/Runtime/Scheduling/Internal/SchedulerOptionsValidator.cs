using Microsoft.Extensions.Options;

namespace TaskFlow.Scheduling.Internal;

/// <summary>Start-up validation of <see cref="SchedulerOptions"/>: every message says what to change.</summary>
internal sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
