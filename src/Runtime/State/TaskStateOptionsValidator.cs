using Microsoft.Extensions.Options;

namespace TaskFlow.State;

/// <summary>Start-up validation of <see cref="TaskStateOptions"/>: every message says what to change.</summary>
internal sealed class TaskStateOptionsValidator : IValidateOptions<TaskStateOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskStateOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
