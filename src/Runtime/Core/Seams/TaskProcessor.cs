using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskFlow.Core.Internal;

namespace TaskFlow.Core;

/// <summary>
/// The transport-neutral path of one received message: decode it once, run it (<see cref="TaskExecutor"/>), decide
/// its settlement (<see cref="SettlementPolicy"/>), record the state the settlement asks for (durable ones committed
/// before this returns) and log the outcome. A transport calls <see cref="ProcessAsync"/> and executes the
/// <see cref="Settlement"/> it gets back; eager mode does the same inline.
/// </summary>
internal sealed class TaskProcessor
{
    private readonly TaskExecutor _executor;
    private readonly ITaskStateRecorder _recorder;
    private readonly TaskFlowOptions _options;
    private readonly ILogger _logger;

    public TaskProcessor(TaskExecutor executor, ITaskStateRecorder recorder, TaskFlowOptions options, ILogger logger)
    {
        _executor = executor;
        _recorder = recorder;
        _options = options;
        _logger = logger;
    }

    /// <summary>Whether a state store records around runs (then the transport may dispatch ahead of the slots and coalesce acks).</summary>
    public bool RecordsState => _recorder.IsActive;

    /// <summary>Decodes, runs and settles one delivery. <paramref name="maxDelay"/>: the transport's longest delay (ETAs honoured).</summary>
    public async ValueTask<Settlement> ProcessAsync(
        IDictionary<string, object?>? headers,
        string? contentType,
        string? contentEncoding,
        ReadOnlyMemory<byte> body,
        string queue,
        TimeSpan maxDelay,
        TaskSlots slots,
        CancellationToken abort)
    {
        using var message = IncomingTask.TryDecode(headers, contentType, contentEncoding, body, out var reason, out var detail);
        if (message is null)
        {
            Log.Poison(_logger, queue, reason!, detail!);
            return SettlementPolicy.Poison(reason!, detail!);
        }

        return await ProcessAsync(message, queue, maxDelay, slots, abort).ConfigureAwait(false);
    }

    /// <summary>Runs and settles one decoded message. <paramref name="maxDelay"/> null: ETAs are not honoured (eager mode).</summary>
    public async ValueTask<Settlement> ProcessAsync(IncomingTask message, string queue, TimeSpan? maxDelay, TaskSlots? slots, CancellationToken abort)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await _executor.ExecuteAsync(message, queue, maxDelay, abort, slots).ConfigureAwait(false);
        var policy = outcome.Task is { } task ? _options.RetryPolicyOf(task) : RetryPolicy.None;
        var settlement = SettlementPolicy.Decide(outcome, message.Headers, policy, abort.IsCancellationRequested, Random.Shared);
        if (settlement.Record is { } record && _recorder.IsActive)
        {
            await _recorder.RecordAsync(message, queue, outcome.Task, record, outcome.Result).ConfigureAwait(false);
        }

        LogOutcome(message, outcome, settlement, Stopwatch.GetElapsedTime(started));
        return settlement;
    }

    private void LogOutcome(IncomingTask message, in TaskOutcome outcome, in Settlement settlement, TimeSpan elapsed)
    {
        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Succeeded:
                Log.TaskSucceeded(_logger, message.TaskName, message.Id, (long)elapsed.TotalMilliseconds);
                break;
            case TaskOutcomeKind.Expired:
                Log.TaskExpired(_logger, message.TaskName, message.Id, outcome.Detail!);
                break;
            case TaskOutcomeKind.Skipped:
                _recorder.Skipped(message, outcome.Detail!);
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
                Log.TaskRetrying(_logger, outcome.Exception!, message.TaskName, message.Id, settlement.Retries, settlement.Delay);
                break;
            case TaskOutcomeKind.Failed:
                Log.TaskFailed(_logger, settlement.Exception!, message.TaskName, message.Id, settlement.Retries);
                break;
        }
    }
}
