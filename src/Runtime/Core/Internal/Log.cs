using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Core.Internal;

/// <summary>The core's structured logs (source-generated). Event ids are stable: 2xxx sending, 4xxx tasks.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Debug, "Sent task {TaskName} [{TaskId}] to queue {Queue}")]
    public static partial void TaskSent(ILogger logger, string taskName, string taskId, string queue);

    [LoggerMessage(2002, LogLevel.Debug, "Running task {TaskName} [{TaskId}] eagerly")]
    public static partial void TaskRunningEagerly(ILogger logger, string taskName, string taskId);

    // 4001 (success at Debug) is retired: the summary line (4009) says it, at Information, for every outcome.

    // One line per settled delivery (category TaskFlow.Tasks.Summary, so it can be turned down alone), what Celery's
    // "Task x[id] succeeded in 0.01s" is to its operators. The outcome is the metrics' taskflow.task.outcome.
    [LoggerMessage(4009, LogLevel.Information, "Task {TaskName} [{TaskId}] {Outcome} in {ElapsedMs:0.#} ms: attempt {Attempt}, queue {Queue}")]
    public static partial void TaskSummary(ILogger logger, string taskName, string taskId, string outcome, double elapsedMs, int attempt, string queue);

    [LoggerMessage(4002, LogLevel.Error, "Task {TaskName} [{TaskId}] failed on attempt {Attempt}; dead-lettered")]
    public static partial void TaskFailed(ILogger logger, Exception exception, string taskName, string taskId, int attempt);

    [LoggerMessage(4003, LogLevel.Warning, "Task {TaskName} [{TaskId}] rejected ({Reason}): {Detail}; dead-lettered")]
    public static partial void TaskRejected(ILogger logger, string taskName, string taskId, string reason, string detail);

    [LoggerMessage(4004, LogLevel.Warning, "Poison message on queue {Queue} ({Reason}): {Detail}; dead-lettered")]
    public static partial void Poison(ILogger logger, string queue, string reason, string detail);

    [LoggerMessage(4006, LogLevel.Warning, "Task {TaskName} [{TaskId}] was cancelled by worker shutdown; returned to the queue")]
    public static partial void TaskAbandoned(ILogger logger, string taskName, string taskId);

    // A retry is expected: Information, the exception's type and message without its stack (the final failure, 4002,
    // is an Error with the stack).
    [LoggerMessage(4007, LogLevel.Information, "Task {TaskName} [{TaskId}] failed ({ExceptionType}: {ExceptionMessage}); retry {Retry} in {Delay}")]
    public static partial void TaskRetrying(ILogger logger, string taskName, string taskId, string? exceptionType, string? exceptionMessage, int retry, TimeSpan delay);

    [LoggerMessage(4005, LogLevel.Information, "Task {TaskName} [{TaskId}] not run: {Detail}")]
    public static partial void TaskExpired(ILogger logger, string taskName, string taskId, string detail);

    [LoggerMessage(4008, LogLevel.Information, "Task {TaskName} [{TaskId}] was revoked while it ran; its token was cancelled")]
    public static partial void TaskRevokedWhileRunning(ILogger logger, string taskName, string taskId);

    [LoggerMessage(4020, LogLevel.Warning, "Task {TaskName} [{TaskId}] finished ({Outcome}) after its channel closed, so its message could not be acked and is back in the queue; its state is recorded, so the copy will be skipped")]
    public static partial void SettlementLostRecorded(ILogger logger, string taskName, string taskId, string outcome);

    [LoggerMessage(4021, LogLevel.Warning, "Task {TaskName} [{TaskId}] finished ({Outcome}) after its channel closed, so its message could not be acked and is back in the queue; without a state store, a copy that reaches another worker runs again (known duplicate risk; this worker skips it)")]
    public static partial void SettlementLostDuplicateRisk(ILogger logger, string taskName, string taskId, string outcome);

    [LoggerMessage(4023, LogLevel.Information, "Task {TaskName} [{TaskId}] skipped: {Detail}")]
    public static partial void TaskSkipped(ILogger logger, string taskName, string taskId, string detail);

    [LoggerMessage(4022, LogLevel.Information, "Task {TaskName} [{TaskId}] is still running in this worker; its redelivered copy is sent round and looked at again in {Delay}")]
    public static partial void CopyOfRunningTaskDeferred(ILogger logger, string taskName, string taskId, TimeSpan delay);
}
