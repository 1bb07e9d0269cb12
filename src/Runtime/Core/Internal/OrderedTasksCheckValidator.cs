using System;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core.Internal;

/// <summary>
/// At host start-up (with the transport check): a process that registers an ordered task has a state store, where the
/// sequences are kept, and the store can order it (<see cref="IOrderGate.Problem"/>). Not checked where tasks run
/// in-process without the gate: eager mode and the test harness's in-process transport.
/// </summary>
internal sealed class OrderedTasksCheckValidator : IValidateOptions<TransportCheck>
{
    private readonly TaskRegistry _registry;
    private readonly IServiceProvider _services;

    public OrderedTasksCheckValidator(TaskRegistry registry, IServiceProvider services)
    {
        _registry = registry;
        _services = services;
    }

    public ValidateOptionsResult Validate(string? name, TransportCheck options)
    {
        if (!_registry.Tasks.Any(static task => task.Ordered) || RunsInProcess(_services))
        {
            return ValidateOptionsResult.Success;
        }

        var errors = OrderedTasks.Problems(_registry.Tasks, _services.GetRequiredService<ITaskStateRecorder>().IsActive, _services.GetService<IOrderGate>()).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Whether tasks run in this process without a broker: eager mode, or the test harness's in-process sink.</summary>
    internal static bool RunsInProcess(IServiceProvider services) =>
        services.GetRequiredService<IOptions<TaskFlowOptions>>().Value.Eager
        || services.GetRequiredService<ActiveSender>().Sender is SinkSender { InProcess: true };
}
