using Microsoft.Extensions.Logging;

namespace TaskFlow.Core.Internal;

/// <summary>The batch enqueue's logs (event ids 5090-5094).</summary>
internal static partial class Log
{
    [LoggerMessage(5090, LogLevel.Debug, "Sent {Sent} of a batch of {Count} tasks {TaskName} to queue {Queue}")]
    public static partial void BatchSent(ILogger logger, string taskName, int sent, int count, string queue);

    [LoggerMessage(5091, LogLevel.Warning, "{Failed} of a batch of {Count} tasks {TaskName} were not enqueued")]
    public static partial void BatchIncomplete(ILogger logger, string taskName, int failed, int count);
}
