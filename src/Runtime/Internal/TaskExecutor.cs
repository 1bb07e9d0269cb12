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
    Deferred,
}

/// <summary>What happened to one message: the worker maps it to ack, retry, defer or dead-letter.</summary>
internal readonly record struct TaskOutcome(TaskOutcomeKind Kind, TaskDescriptor? Task = null, object? Result = null, Exception? Exception = null, string? Reason = null, string? Detail = null)
{
    public static TaskOutcome Reject(string reason, string detail, Exception? exception = null, TaskDescriptor? task = null) =>
        new(TaskOutcomeKind.Rejected, task, Exception: exception, Reason: reason, Detail: detail);
}

/// <summary>
/// Runs one decoded message: finds the task, checks expiry, ETA and arguments, opens a DI scope, applies
/// the time limits and invokes the generated invoker. Shared by the worker and eager mode so both take the
/// same path.
/// </summary>
internal sealed class TaskExecutor
{
    // A message may arrive this much before its ETA and still run (delays are rounded to the delay
    // levels' resolution); earlier ones go back through the delay levels.
    private static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(50);

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

    public async ValueTask<TaskOutcome> ExecuteAsync(TaskMessage message, string queue, bool honourEta, CancellationToken cancellationToken)
    {
        if (!_registry.TryGet(message.TaskName, out var task))
        {
            return TaskOutcome.Reject(DeadLetterReason.UnknownTask, $"no task named '{message.TaskName}' is registered in this process");
        }

        var now = _time.GetUtcNow();
        if (message.Expires is { } expires && expires <= now)
        {
            return new TaskOutcome(TaskOutcomeKind.Expired, task, Detail: $"expired at {TaskEnvelope.FormatTime(expires)}");
        }

        if (honourEta && message.Eta is { } far && far - now > DelayLevels.MaxDelay)
        {
            return TaskOutcome.Reject(DeadLetterReason.UnsupportedEnvelope, $"ETA {TaskEnvelope.FormatTime(far)} is further away than the {DelayLevels.MaxDelay.TotalDays:F1} days the delay levels carry", task: task);
        }

        if (honourEta && message.Eta is { } eta && eta - now > EarlyTolerance)
        {
            // E.g. a Celery client's ETA task sent straight to the queue: never held in memory, sent round again.
            return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: $"ETA {TaskEnvelope.FormatTime(eta)} not reached");
        }

        var arguments = new TaskArguments(task, message.Args, message.Kwargs, _options.SerializerOptions);
        try
        {
            arguments.Validate();
        }
        catch (TaskArgumentException ex)
        {
            return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex, task);
        }

        var (headerSoft, headerHard) = message.TimeLimits;
        var soft = task.SoftTimeLimit ?? headerSoft;
        var hard = task.TimeLimit ?? headerHard;
        using var limits = soft is not null || hard is not null ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        if (soft is { } softLimit)
        {
            limits!.CancelAfter(softLimit);
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
                limits?.Token ?? cancellationToken);
            try
            {
                var pending = task.Invoker(new TaskInvocation(arguments, context));
                object? result;
                if (hard is { } hardLimit && !pending.IsCompleted)
                {
                    var running = pending.AsTask();
                    try
                    {
                        result = await running.WaitAsync(hardLimit, _time, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (TimeoutException) when (!running.IsCompleted)
                    {
                        // .NET cannot stop the code: cancel its token, stop waiting, free the slot.
                        await limits!.CancelAsync().ConfigureAwait(false);
                        _ = running.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        return new TaskOutcome(TaskOutcomeKind.Failed, task, Exception: new TaskTimeLimitExceededException(task.Name, hardLimit));
                    }
                }
                else
                {
                    result = await pending.ConfigureAwait(false);
                }

                return new TaskOutcome(TaskOutcomeKind.Succeeded, task, Result: result);
            }
            catch (TaskArgumentException ex)
            {
                return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex, task);
            }
            catch (Exception ex)
            {
                return new TaskOutcome(TaskOutcomeKind.Failed, task, Exception: ex);
            }
        }
    }
}
