using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>The state store's structured logs (source-generated). Event ids 5xxx.</summary>
internal static partial class StateLog
{
    [LoggerMessage(5001, LogLevel.Information, "State store schema {Schema} on {Database}: applied {Count} migration(s), now at version {Version}")]
    public static partial void SchemaApplied(ILogger logger, string schema, string database, int count, int version);

    [LoggerMessage(5002, LogLevel.Warning, "Writing {Count} task state(s) failed (attempt {Attempt}); retrying")]
    public static partial void WriteFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(5003, LogLevel.Error, "Gave up writing {Count} task state(s) after {Attempts} attempts")]
    public static partial void WriteAbandoned(ILogger logger, Exception exception, int count, int attempts);

    [LoggerMessage(5004, LogLevel.Information, "Task {TaskName} [{TaskId}] skipped: it is already {State}")]
    public static partial void TaskSkipped(ILogger logger, string taskName, string taskId, string state);

    [LoggerMessage(5005, LogLevel.Information, "Task {TaskName} [{TaskId}] revoked while running; its token was cancelled")]
    public static partial void TaskRevokedWhileRunning(ILogger logger, string taskName, string taskId);

    [LoggerMessage(5006, LogLevel.Warning, "Recording the final state of task {TaskName} [{TaskId}] failed; acking anyway (the task ran)")]
    public static partial void RecordFailed(ILogger logger, Exception exception, string taskName, string taskId);

    [LoggerMessage(5007, LogLevel.Information, "Cleanup deleted {Count} expired task record(s) in {ElapsedMs} ms")]
    public static partial void CleanedUp(ILogger logger, long count, long elapsedMs);

    [LoggerMessage(5016, LogLevel.Warning, "Task {TaskName} [{TaskId}]: its re-driven dead letter could not reopen the task's record (the state store failed); the message is sent round and tried again later")]
    public static partial void ReopenFailed(ILogger logger, Exception exception, string taskName, string taskId);

    [LoggerMessage(5008, LogLevel.Warning, "State store maintenance ({Activity}) failed; trying again later")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception, string activity);

    [LoggerMessage(5009, LogLevel.Debug, "Outbox relay published {Messages} message(s) of {Transactions} transaction(s)")]
    public static partial void OutboxPublished(ILogger logger, int messages, int transactions);

    [LoggerMessage(5010, LogLevel.Warning, "Outbox transaction {Id} could not be published (attempt {Attempt}); next try at {NextAttemptAt:O}")]
    public static partial void OutboxPublishFailed(ILogger logger, Exception exception, long id, int attempt, DateTimeOffset nextAttemptAt);

    [LoggerMessage(5011, LogLevel.Warning, "Outbox relay pass failed; trying again in {Delay}")]
    public static partial void OutboxRelayFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(5012, LogLevel.Warning, "Task {TaskName} [{TaskId}]: its lease was lost ({Why}); its token is cancelled and its outcome will not be recorded")]
    public static partial void LeaseLost(ILogger logger, string taskName, string taskId, string why);

    [LoggerMessage(5013, LogLevel.Warning, "Task {TaskName} [{TaskId}]: could not {Change} its lease")]
    public static partial void LeaseChangeFailed(ILogger logger, Exception exception, string taskName, string taskId, string change);

    [LoggerMessage(5014, LogLevel.Warning, "Task {TaskName} [{TaskId}]: the lease of {Holder} expired (attempt {Attempt}); sent again to {Queue}")]
    public static partial void LeaseReaped(ILogger logger, string taskName, string taskId, string holder, int attempt, string queue);

    [LoggerMessage(5015, LogLevel.Information, "Task {TaskName} [{TaskId}] recorded as dead-lettered: its message could not be decoded ({Error})")]
    public static partial void UndecodableRecorded(ILogger logger, string? taskName, string taskId, string error);

    [LoggerMessage(5030, LogLevel.Warning, "Lock {Name} (permit {Slot}) was lost: {Why}; its Lost token is cancelled")]
    public static partial void LockLost(ILogger logger, string name, int slot, string why);

    [LoggerMessage(5031, LogLevel.Warning, "Lock {Name} (permit {Slot}) could not be released; it expires at the end of its lease")]
    public static partial void LockReleaseFailed(ILogger logger, Exception exception, string name, int slot);
}
