using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.Protocol;
using TaskFlow.State;
using TaskFlow.State.Internal;

namespace TaskFlow.Internal;

internal enum TaskOutcomeKind
{
    Succeeded,
    Failed,
    Rejected,
    Expired,
    Deferred,

    /// <summary>Not run: the state store says the task is already final (succeeded, failed, revoked...): ack it.</summary>
    Skipped,

    /// <summary>Revoked while it ran: its token was cancelled. The store already says revoked: ack it.</summary>
    Revoked,

    /// <summary>Not run: the worker stopped taking work while the message waited for a task slot. Requeue it.</summary>
    NotStarted,
}

/// <summary>What happened to one message: the worker maps it to ack, retry, defer or dead-letter.</summary>
internal readonly record struct TaskOutcome(TaskOutcomeKind Kind, TaskDescriptor? Task = null, object? Result = null, Exception? Exception = null, string? Reason = null, string? Detail = null, bool Recorded = false)
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
    private readonly TaskStateStore? _store;

    public TaskExecutor(TaskRegistry registry, IServiceScopeFactory scopes, IOptions<TaskFlowOptions> options, TimeProvider time, TaskStateStore? store = null)
    {
        _registry = registry;
        _scopes = scopes;
        _options = options.Value;
        _time = time;
        _store = store;
    }

    public TaskStateStore? Store => _store;

    /// <summary>
    /// Records a task's state after its outcome (worker and eager mode). <paramref name="durable"/>: wait until it
    /// is committed (final states before the ack, see <see cref="TaskStateOptions.AckAfterStateCommit"/>). Never
    /// throws: a state write that fails is logged (the task ran; failing the message now would run it again).
    /// </summary>
    public async ValueTask RecordAsync(TaskMessage message, string queue, TaskOutcome outcome, TaskState state, string? error, bool durable)
    {
        if (_store is not { } store || outcome.Recorded || !store.Tracks(message.TaskName))
        {
            return;
        }

        try
        {
            string? result = null;
            if (state == TaskState.Succeeded && outcome.Result is not null && store.KeepsResult(message.TaskName, outcome.Task, message.Headers))
            {
                try
                {
                    result = store.SerializeResult(outcome.Result);
                }
                catch (Exception ex) when (ex is NotSupportedException or System.Text.Json.JsonException or InvalidOperationException)
                {
                    error = "the result could not be serialized to JSON: " + ex.Message;
                }
            }

            var write = store.NewWrite(message.Id, message.TaskName, queue, state, message.Retries + 1, EntityKeyOf(message), error, result);
            await store.Writer.WriteAsync(write, durable && store.Options.AckAfterStateCommit).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StateLog.RecordFailed(store.Logger, ex, message.TaskName, message.Id);
        }
    }

    private static string? EntityKeyOf(TaskMessage message) =>
        message.Headers.TryGetValue(CeleryHeaders.EntityKey, out var value) ? value as string : null;

    /// <summary>
    /// Checks and runs one message. <paramref name="slots"/>: the worker's task slots (its concurrency); the checks
    /// before the run (expiry, ETA, the state store's "already completed?" read, argument validation) do not hold
    /// one, so a slot is only taken by running code. Null (eager mode): run inline.
    /// </summary>
    public async ValueTask<TaskOutcome> ExecuteAsync(TaskMessage message, string queue, bool honourEta, CancellationToken cancellationToken, TaskSlots? slots = null)
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

        var store = _store is { } s && s.Tracks(task.Name) ? s : null;
        if (store is not null)
        {
            // The idempotent consumer: one primary-key read. A task already final is acked and skipped.
            TaskState? state = null;
            try
            {
                state = await store.Reader.ReadAsync(message.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
            {
                // The database is unreachable: run anyway (at-least-once, as without a store) rather than stall every queue.
                StateLog.MaintenanceFailed(store.Logger, ex, "idempotency check of " + message.Id);
            }

            if (state is { } known && known.IsFinal())
            {
                return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: known.ToWireName());
            }
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

        // Everything above (the state read especially) ran without a task slot, overlapped with other tasks.
        if (slots is null)
        {
            return await RunAsync(message, queue, task, arguments, store, cancellationToken).ConfigureAwait(false);
        }

        if (!await slots.EnterAsync().ConfigureAwait(false))
        {
            return new TaskOutcome(TaskOutcomeKind.NotStarted, task);
        }

        try
        {
            return await RunAsync(message, queue, task, arguments, store, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slots.Exit();
        }
    }

    /// <summary>Runs the task in its DI scope, under its time limits, inside a task slot.</summary>
    private async ValueTask<TaskOutcome> RunAsync(TaskMessage message, string queue, TaskDescriptor task, TaskArguments arguments, TaskStateStore? store, CancellationToken cancellationToken)
    {
        using var tracking = store?.Running.Start(message.Id, cancellationToken);
        if (tracking is not null)
        {
            cancellationToken = tracking.Cancellation.Token;
        }

        if (store is { Options.RecordStarted: true })
        {
            await store.Writer.WriteAsync(store.NewWrite(message.Id, message.TaskName, queue, TaskState.Started, message.Retries + 1, EntityKeyOf(message)), durable: false, CancellationToken.None).ConfigureAwait(false);
        }

        var work = store is not null ? new TaskWork(store) : null;

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
                limits?.Token ?? cancellationToken)
            {
                Work = work,
            };
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

                if (work?.Transaction is { } transaction)
                {
                    return await CommitWorkAsync(store!, work, transaction, message, queue, task, result).ConfigureAwait(false);
                }

                return new TaskOutcome(TaskOutcomeKind.Succeeded, task, Result: result);
            }
            catch (TaskArgumentException ex)
            {
                return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex, task);
            }
            catch (Exception ex) when (tracking is { Revoked: true })
            {
                StateLog.TaskRevokedWhileRunning(store!.Logger, task.Name, message.Id);
                return new TaskOutcome(TaskOutcomeKind.Revoked, task, Exception: ex, Detail: "revoked while running");
            }
            catch (Exception ex)
            {
                return new TaskOutcome(TaskOutcomeKind.Failed, task, Exception: ex);
            }
            finally
            {
                if (work is not null)
                {
                    // Rolls back a transaction the task opened and did not get committed (it threw).
                    await work.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// The task's own database work and its completion record in one transaction: the record is written in the
    /// task's transaction and both commit together. Zero rows changed means another run of the same task id
    /// completed first (the record was final): roll back, so the work is not done twice.
    /// </summary>
    private static async ValueTask<TaskOutcome> CommitWorkAsync(TaskStateStore store, TaskWork work, DbTransaction transaction, TaskMessage message, string queue, TaskDescriptor task, object? result)
    {
        string? json = null;
        if (result is not null && store.KeepsResult(task.Name, task, message.Headers))
        {
            json = store.SerializeResult(result);
        }

        var write = store.NewWrite(message.Id, message.TaskName, queue, TaskState.Succeeded, message.Retries + 1, EntityKeyOf(message), result: json);
        if (!await store.Database.States.WriteInAsync(work.Connection!, transaction, write, CancellationToken.None).ConfigureAwait(false))
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: "completed by another run (work rolled back)");
        }

        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        if (store.Options.AfterAtomicCommit is { } hook)
        {
            await hook(message.Id).ConfigureAwait(false);
        }

        return new TaskOutcome(TaskOutcomeKind.Succeeded, task, Result: result, Recorded: true);
    }
}
