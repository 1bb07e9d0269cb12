using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Core.Internal;

/// <summary>The logs of ordered processing at the worker (5070-5074; the store's are 5075-5079).</summary>
internal static partial class Log
{
    [LoggerMessage(5070, LogLevel.Debug, "Task {TaskName} [{TaskId}] is ordered by '{OrderKey}' behind task {BlockerId} ({BlockerState}, {Distance} place(s) ahead): it is looked at again in {Delay}, round the delay levels")]
    public static partial void OrderDeferred(ILogger logger, string taskName, string taskId, string orderKey, string blockerId, string blockerState, long distance, TimeSpan delay);
}
