using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Core.Internal;

/// <summary>The logs of rate limits and ordered processing (5060-5079).</summary>
internal static partial class Log
{
    [LoggerMessage(5060, LogLevel.Debug, "Task {TaskName} [{TaskId}] is over its rate limit {RateLimit} for '{Key}': it waits {Delay} for its {Slot} slot, round the delay levels")]
    public static partial void RateLimitDeferred(ILogger logger, string taskName, string taskId, string rateLimit, string key, TimeSpan delay, string slot);
}
