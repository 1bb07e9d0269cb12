using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Protocol;
using TaskFlow.State;

namespace TaskFlow.Internal;

/// <summary>
/// Eager mode: runs the task inline when it is enqueued, after a real round trip of the message
/// (arguments serialized to the same JSON body the broker would carry, then decoded and bound), so that
/// what would fail over the wire fails here too. Task exceptions propagate to the caller. Countdown/ETA
/// are ignored (the task runs at once), and there are no retries: the first failure propagates.
/// </summary>
internal sealed class EagerTaskClient : ITaskClient
{
    private readonly TaskExecutor _executor;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EagerTaskClient> _logger;

    public EagerTaskClient(TaskExecutor executor, IOptions<TaskFlowOptions> options, TimeProvider time, ILogger<EagerTaskClient> logger)
    {
        _executor = executor;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDescriptor task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        ArgumentNullException.ThrowIfNull(task);
        var envelope = TaskEnvelope.Create(task, arguments, options, _options, _time.GetUtcNow(), Origin.Value);
        using var message = TaskMessage.TryDecode(envelope.Headers!, "application/json", "utf-8", envelope.Body, out var reason, out var detail)
            ?? throw new InvalidOperationException($"TaskFlow eager mode: task '{task.Name}' produced a message the worker would dead-letter ({reason}): {detail}");
        Log.TaskRunningEagerly(_logger, task.Name, envelope.Id);
        var store = _executor.Store;
        if (store is not null && (options?.EntityKey is not null || (store.Options.RecordPending && store.Tracks(task.Name))))
        {
            var pending = store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: options?.EntityKey);
            if (options?.EntityKey is not null)
            {
                await store.Database.Leases.RecordPendingAsync(pending, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await store.Writer.WriteAsync(pending, durable: false, cancellationToken).ConfigureAwait(false);
            }
        }

        var outcome = await _executor.ExecuteAsync(message, envelope.Queue, honourEta: false, cancellationToken).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Succeeded:
                await _executor.RecordAsync(message, envelope.Queue, outcome, TaskState.Succeeded, null, durable: true).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.Expired:
                await _executor.RecordAsync(message, envelope.Queue, outcome, TaskState.Expired, outcome.Detail, durable: true).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.Failed:
                await _executor.RecordAsync(message, envelope.Queue, outcome, TaskState.Failed, TaskFlow.State.TaskStateStore.Summary(outcome.Exception!), durable: true).ConfigureAwait(false);
                ExceptionDispatchInfo.Throw(outcome.Exception!);
                break;
            case TaskOutcomeKind.Rejected when outcome.Exception is not null:
                await _executor.RecordAsync(message, envelope.Queue, outcome, TaskState.DeadLettered, outcome.Reason + ": " + outcome.Detail, durable: true).ConfigureAwait(false);
                ExceptionDispatchInfo.Throw(outcome.Exception);
                break;
            case TaskOutcomeKind.Rejected:
                await _executor.RecordAsync(message, envelope.Queue, outcome, TaskState.DeadLettered, outcome.Reason + ": " + outcome.Detail, durable: true).ConfigureAwait(false);
                throw new InvalidOperationException($"TaskFlow eager mode: a worker would dead-letter task '{task.Name}' ({outcome.Reason}): {outcome.Detail}");
        }

        var handle = new TaskHandle(envelope.Id, envelope.TaskName, envelope.Queue);
        return store is null ? handle : store.Attach(handle);
    }
}
