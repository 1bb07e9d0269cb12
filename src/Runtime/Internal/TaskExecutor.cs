using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.Protocol;

namespace TaskFlow.Internal;

internal enum TaskOutcomeKind
{
    Succeeded,
    Failed,
    Rejected,
    Expired,
}

/// <summary>What happened to one message: the worker maps it to ack, dead-letter (and later retry).</summary>
internal readonly record struct TaskOutcome(TaskOutcomeKind Kind, object? Result = null, Exception? Exception = null, string? Reason = null, string? Detail = null)
{
    public static TaskOutcome Reject(string reason, string detail, Exception? exception = null) => new(TaskOutcomeKind.Rejected, Exception: exception, Reason: reason, Detail: detail);
}

/// <summary>
/// Runs one decoded message: finds the task, checks expiry and arguments, opens a DI scope, invokes the
/// generated invoker. Shared by the worker and eager mode so both take the same path.
/// </summary>
internal sealed class TaskExecutor
{
    private readonly TaskRegistry _registry;
    private readonly IServiceScopeFactory _scopes;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;

    public TaskExecutor(TaskRegistry registry, IServiceScopeFactory scopes, IOptions<TaskFlowOptions> options, TimeProvider time)
    {
        _registry = registry;
        _scopes = scopes;
        _options = options.Value;
        _time = time;
    }

    public async ValueTask<TaskOutcome> ExecuteAsync(TaskMessage message, string queue, CancellationToken cancellationToken)
    {
        if (!_registry.TryGet(message.TaskName, out var task))
        {
            return TaskOutcome.Reject(DeadLetterReason.UnknownTask, $"no task named '{message.TaskName}' is registered in this process");
        }

        var now = _time.GetUtcNow();
        if (message.Expires is { } expires && expires <= now)
        {
            return new TaskOutcome(TaskOutcomeKind.Expired, Detail: $"expired at {TaskEnvelope.FormatTime(expires)}");
        }

        if (message.Eta is { } eta && eta > now + TimeSpan.FromSeconds(1))
        {
            return TaskOutcome.Reject(DeadLetterReason.UnsupportedEnvelope, $"ETA {TaskEnvelope.FormatTime(eta)} is in the future and this version does not hold delayed tasks; re-drive it when due");
        }

        var arguments = new TaskArguments(task, message.Args, message.Kwargs, _options.SerializerOptions);
        try
        {
            arguments.Validate();
        }
        catch (TaskArgumentException ex)
        {
            return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex);
        }

        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = new TaskContext(
                message.Id,
                task.Name,
                queue,
                message.Retries,
                message.RootId,
                message.ParentId,
                message.Eta,
                message.Expires,
                message.Headers,
                scope.ServiceProvider,
                cancellationToken);
            try
            {
                var result = await task.Invoker(new TaskInvocation(arguments, context)).ConfigureAwait(false);
                return new TaskOutcome(TaskOutcomeKind.Succeeded, Result: result);
            }
            catch (TaskArgumentException ex)
            {
                return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex);
            }
            catch (Exception ex)
            {
                return new TaskOutcome(TaskOutcomeKind.Failed, Exception: ex);
            }
        }
    }
}
