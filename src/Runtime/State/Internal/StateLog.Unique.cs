using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>The logs of unique tasks (<see cref="UniqueKeys"/>): event ids 5050-5059.</summary>
internal static partial class StateLog
{
    [LoggerMessage(5050, LogLevel.Debug, "Task {TaskName}: unique key {Key} is held by task {HolderId}; the enqueue returned it and sent nothing")]
    public static partial void UniqueDeduplicated(ILogger logger, string taskName, string key, string holderId);

    [LoggerMessage(5051, LogLevel.Debug, "Task {TaskName} [{TaskId}]: unique key {Key} taken over from task {StaleId}, which no longer held it")]
    public static partial void UniqueTakenOver(ILogger logger, string taskName, string taskId, string key, string staleId);

    [LoggerMessage(5052, LogLevel.Warning, "Task {TaskName} [{TaskId}] was not sent, and its unique key {Key} could not be released: it is held until its task is final or its period ends")]
    public static partial void UniqueReleaseFailed(ILogger logger, Exception exception, string taskName, string taskId, string key);
}
