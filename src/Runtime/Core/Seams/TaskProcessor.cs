using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using TaskFlow.Core.Internal;

namespace TaskFlow.Core;

/// <summary>
/// The transport-neutral path of one received message: decode it once, run it (<see cref="TaskExecutor"/>), decide
/// its settlement (<see cref="SettlementPolicy"/>), record the state the settlement asks for (durable ones committed
/// before this returns) and log the outcome. A transport calls <see cref="ProcessAsync(IncomingTask, string, TimeSpan?, TaskSlots?, CancellationToken, EarlyAck, Exception?)"/> and executes the
/// <see cref="Settlement"/> it gets back; eager mode does the same inline.
/// </summary>
internal sealed class TaskProcessor
{
    private readonly TaskExecutor _executor;
    private readonly ITaskStateRecorder _recorder;
    private readonly TaskFlowOptions _options;
    private readonly ILogger _logger;
    private readonly ILogger _summary;
    private readonly TimeProvider _time;

    /// <param name="executor">Runs the tasks.</param>
    /// <param name="recorder">The state store's recorder, or none.</param>
    /// <param name="options">The core options.</param>
    /// <param name="logger">Category <c>TaskFlow.Tasks</c>: failures, retries, rejections and the like.</param>
    /// <param name="summary">Category <c>TaskFlow.Tasks.Summary</c>: the one-line summary per settled delivery (4009).</param>
    /// <param name="time">The clock.</param>
    public TaskProcessor(TaskExecutor executor, ITaskStateRecorder recorder, TaskFlowOptions options, ILogger logger, ILogger summary, TimeProvider time)
    {
        _executor = executor;
        _recorder = recorder;
        _options = options;
        _logger = logger;
        _summary = summary;
        _time = time;
    }

    /// <summary>Whether a state store records around runs (then the transport may dispatch ahead of the slots).</summary>
    public bool RecordsState => _recorder.IsActive;

    /// <summary>
    /// Decodes, runs and settles one delivery. <paramref name="maxDelay"/>: the transport's longest delay (ETAs honoured).
    /// <paramref name="redelivered"/>: the broker's redelivered flag. <paramref name="early"/>: the transport's early ack
    /// for lease mode.
    /// </summary>
    public ValueTask<Settlement> ProcessAsync(
        IDictionary<string, object?>? headers,
        string? contentType,
        string? contentEncoding,
        ReadOnlyMemory<byte> body,
        bool redelivered,
        string queue,
        TimeSpan maxDelay,
        TaskSlots slots,
        EarlyAck early,
        CancellationToken abort)
    {
        // Not async itself: a decoded delivery goes straight to the run (one state machine per delivery, not two), which
        // disposes the message when it is done.
        var message = IncomingTask.TryDecode(headers, contentType, contentEncoding, body, out var reason, out var detail, redelivered);
        return message is null
            ? PoisonAsync(headers, queue, reason!, detail!)
            : ProcessCoreAsync(message, queue, maxDelay, slots, early, fault: null, disposeMessage: true, abort);
    }

    /// <summary>A delivery that could not be decoded: dead-lettered, and recorded when it names a task id.</summary>
    private async ValueTask<Settlement> PoisonAsync(IDictionary<string, object?>? headers, string queue, string reason, string detail)
    {
        Log.Poison(_logger, queue, reason, detail);
        var poison = SettlementPolicy.Poison(reason, detail);
        if (_recorder.IsActive && headers is not null && HeaderValues.String(headers, Protocol.MessageHeaders.Id) is { Length: > 0 } id)
        {
            // It names a task id: record why it was dead-lettered, so that WaitAsync on that id reports it instead of timing out.
            var name = HeaderValues.String(headers, Protocol.MessageHeaders.Task);
            await _recorder.RecordUndecodableAsync(id, name, queue, reason + ": " + detail).ConfigureAwait(false);
            poison = poison with { TaskId = id, TaskName = name ?? poison.TaskName };
        }

        return poison;
    }

    /// <summary>
    /// Runs and settles one decoded message. <paramref name="maxDelay"/> null: ETAs are not honoured (eager mode, the
    /// test harness). <paramref name="fault"/>: thrown in place of the task's code (the test harness's injected failures).
    /// </summary>
    public ValueTask<Settlement> ProcessAsync(IncomingTask message, string queue, TimeSpan? maxDelay, TaskSlots? slots, CancellationToken abort, EarlyAck early = default, Exception? fault = null) =>
        ProcessCoreAsync(message, queue, maxDelay, slots, early, fault, disposeMessage: false, abort);

    /// <summary>Runs and settles <paramref name="message"/>; disposes it at the end when <paramref name="disposeMessage"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Settlement> ProcessCoreAsync(IncomingTask message, string queue, TimeSpan? maxDelay, TaskSlots? slots, EarlyAck early, Exception? fault, bool disposeMessage, CancellationToken abort)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            // The consumer span, in the trace the message carries (null unless someone listens to TaskFlow's source).
            using var activity = Telemetry.Source.HasListeners()
                ? Telemetry.Source.StartActivity("process " + queue, ActivityKind.Consumer, Telemetry.Extract(message.Headers.Raw))
                : null;
            // Every line logged while it is processed (TaskFlow's and the task's own) carries the task: the message is the scope's state.
            message.Queue = queue;
            using var scope = _logger.BeginScope(message);
            var outcome = await _executor.ExecuteAsync(message, queue, maxDelay, abort, slots, early, fault).ConfigureAwait(false);
            var policy = outcome.Task is { } task ? _options.RetryPolicyOf(task) : RetryPolicy.None;
            var settlement = SettlementPolicy.Decide(outcome, message.Headers, message.Attempt, policy, abort.IsCancellationRequested, Random.Shared);
            if (message.Headers.Redeliveries > 0 && settlement.Kind is SettlementKind.RetryAfter or SettlementKind.DeferUntil or SettlementKind.DeadLetter)
            {
                settlement = settlement with { Redeliveries = message.Headers.Redeliveries };
            }
            try
            {
                if (settlement.Record is { } record && _recorder.IsActive)
                {
                    await _recorder.RecordAsync(message, queue, outcome.Task, record, outcome.Result).ConfigureAwait(false);
                }
            }
            finally
            {
                if (outcome.OrderPermit is { } permit)
                {
                    // After the record: the key's next run starts only once this one's final state is committed.
                    await permit.DisposeAsync().ConfigureAwait(false);
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            LogOutcome(message, queue, outcome, settlement, elapsed);
            Observe(activity, message, queue, outcome, settlement, elapsed);
            // What became of it and the return value: for eager mode's handles without a store and the test harness.
            settlement = settlement with
            {
                Outcome = OutcomeName(outcome, settlement),
                Result = outcome.Kind == TaskOutcomeKind.Succeeded ? outcome.Result : null,
            };
            if (outcome.Lease is { } lease)
            {
                // Lease mode: the message was acked when the run started. What is left for the transport is only a copy to
                // send (retry, deferral, dead letter), after which it releases the lease; an ack needs nothing more than the
                // lease released here; a hand-back (shutdown) expires the lease so that a reaper sends the task again soon.
                // Inline, with plain ValueTask awaits: awaiting a ValueTask<Settlement> would add its awaiter (a whole
                // Settlement) to this method's state machine, which every delivery that goes asynchronous allocates.
                switch (settlement.Kind)
                {
                    case SettlementKind.Ack:
                        if (!lease.Lost)
                        {
                            await lease.ReleaseAsync().ConfigureAwait(false);
                        }

                        settlement = settlement with { Acknowledged = true };
                        break;
                    case SettlementKind.HandBack:
                    case SettlementKind.Requeue:
                        await lease.ExpireAsync().ConfigureAwait(false);
                        settlement = Settlement.Ack(settlement.TaskName, settlement.TaskId) with { Acknowledged = true };
                        break;
                    default:
                        settlement = settlement with { Acknowledged = true, Lease = lease };
                        break;
                }
            }

            return settlement;
        }
        finally
        {
            if (disposeMessage)
            {
                message.Dispose();
            }
        }
    }

    /// <summary>The consumer span's attributes and status, and the outcome metrics.</summary>
    private static void Observe(Activity? activity, IncomingTask message, string queue, TaskOutcome outcome, in Settlement settlement, TimeSpan elapsed)
    {
        if (activity is null && !Telemetry.Processed.Enabled && !Telemetry.Duration.Enabled)
        {
            return;
        }

        var name = OutcomeName(outcome, settlement);
        if (activity is not null)
        {
            activity.SetTag(Telemetry.MessagingSystem, Telemetry.System);
            activity.SetTag(Telemetry.Operation, "process");
            activity.SetTag(Telemetry.OperationName, "process");
            activity.SetTag(Telemetry.Destination, queue);
            activity.SetTag(Telemetry.MessageId, message.Id);
            activity.SetTag(Telemetry.TaskName, message.TaskName);
            activity.SetTag(Telemetry.Attempt, message.Attempt);
            activity.SetTag(Telemetry.Outcome, name);
            if (outcome.Exception is { } exception)
            {
                activity.SetStatus(ActivityStatusCode.Error, exception.Message);
                activity.SetTag("error.type", exception.GetType().FullName);
            }
            else if (settlement.Kind == SettlementKind.DeadLetter)
            {
                activity.SetStatus(ActivityStatusCode.Error, settlement.Reason);
                activity.SetTag("error.type", settlement.Reason);
            }
        }

        var tags = Telemetry.Tags(message.TaskName, queue, name);
        Telemetry.Processed.Add(1, tags);
        Telemetry.Duration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>The outcome attribute: what became of one delivery.</summary>
    internal static string OutcomeName(TaskOutcome outcome, in Settlement settlement) => settlement.Kind switch
    {
        SettlementKind.RetryAfter => "retried",
        SettlementKind.DeferUntil => "deferred",
        SettlementKind.DeadLetter => "dead_lettered",
        SettlementKind.HandBack or SettlementKind.Requeue => "handed_back",
        _ => outcome.Kind switch
        {
            TaskOutcomeKind.Succeeded => "succeeded",
            TaskOutcomeKind.Skipped => "skipped",
            TaskOutcomeKind.Expired => "expired",
            TaskOutcomeKind.Revoked => "revoked",
            TaskOutcomeKind.Failed => "failed",
            _ => "acked",
        },
    };

    /// <summary>
    /// The transport could not settle a delivery as decided (its channel closed while the task ran): the broker
    /// hands the message back. Remembered when the outcome was final, so that the copy is skipped here, and logged.
    /// </summary>
    public void SettlementLost(string? taskId, string taskName, in Settlement settlement)
    {
        if (taskId is null || settlement.Acknowledged)
        {
            return;
        }

        var outcome = settlement.Kind switch
        {
            SettlementKind.Ack => settlement.Record?.State.ToWireName() ?? "completed",
            SettlementKind.DeadLetter => "dead-lettered",
            SettlementKind.RetryAfter => "retry sent",
            _ => null,
        };
        if (outcome is null)
        {
            return;
        }

        _executor.Runs.AckLost(taskId, outcome, _time.GetUtcNow());
        if (_recorder.IsActive)
        {
            Log.SettlementLostRecorded(_logger, taskName, taskId, outcome);
        }
        else
        {
            Log.SettlementLostDuplicateRisk(_logger, taskName, taskId, outcome);
        }
    }

    private void LogOutcome(IncomingTask message, string queue, in TaskOutcome outcome, in Settlement settlement, TimeSpan elapsed)
    {
        // The summary: every delivery that is done with (not one sent round until its ETA, nor one handed back to come
        // again), unless its task opted out. Nothing is formatted or allocated while its level is off.
        if (settlement.Kind is not (SettlementKind.DeferUntil or SettlementKind.HandBack or SettlementKind.Requeue) && outcome.Task?.LogSummary != false)
        {
            Log.TaskSummary(_summary, message.TaskName, message.Id, OutcomeName(outcome, settlement), elapsed.TotalMilliseconds, message.Attempt, queue);
        }

        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Expired:
                Log.TaskExpired(_logger, message.TaskName, message.Id, outcome.Detail!);
                break;
            case TaskOutcomeKind.Deferred when outcome.CopyOfRunning:
                Log.CopyOfRunningTaskDeferred(_logger, message.TaskName, message.Id, TaskExecutor.RunningCopyRecheck);
                break;
            case TaskOutcomeKind.Skipped when _recorder.IsActive:
                _recorder.Skipped(message, outcome.Detail!);
                break;
            case TaskOutcomeKind.Skipped:
                Log.TaskSkipped(_logger, message.TaskName, message.Id, outcome.Detail!);
                break;
            case TaskOutcomeKind.Revoked:
                Log.TaskRevokedWhileRunning(_logger, message.TaskName, message.Id);
                break;
            case TaskOutcomeKind.Rejected:
                Log.TaskRejected(_logger, message.TaskName, message.Id, outcome.Reason!, outcome.Detail!);
                break;
            case TaskOutcomeKind.Failed when settlement.Kind == SettlementKind.HandBack:
                Log.TaskAbandoned(_logger, message.TaskName, message.Id);
                break;
            case TaskOutcomeKind.Failed when settlement.Kind == SettlementKind.RetryAfter:
                Log.TaskRetrying(_logger, message.TaskName, message.Id, outcome.Exception?.GetType().FullName, outcome.Exception?.Message, settlement.Retries, settlement.Delay);
                break;
            case TaskOutcomeKind.Failed:
                Log.TaskFailed(_logger, settlement.Exception!, message.TaskName, message.Id, settlement.Retries);
                break;
        }
    }
}
