using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core.Internal;

/// <summary>
/// At host start-up (with the transport check): a process that registers a unique task has a state store, where the
/// keys are held. The recorder is resolved only when a unique task is registered.
/// </summary>
internal sealed class UniqueTasksCheckValidator : IValidateOptions<TransportCheck>
{
    private readonly TaskRegistry _registry;
    private readonly IServiceProvider _services;

    public UniqueTasksCheckValidator(TaskRegistry registry, IServiceProvider services)
    {
        _registry = registry;
        _services = services;
    }

    public ValidateOptionsResult Validate(string? name, TransportCheck options)
    {
        if (!_registry.Tasks.Any(static task => task.Unique is not null))
        {
            return ValidateOptionsResult.Success;
        }

        var errors = UniqueTasks.Problems(_registry.Tasks, _services.GetRequiredService<ITaskStateRecorder>().IsActive).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
