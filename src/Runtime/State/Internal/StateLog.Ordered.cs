using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>The logs of ordered processing in the store (<see cref="OrderRecords"/>): event ids 5075-5079.</summary>
internal static partial class StateLog
{
    [LoggerMessage(5075, LogLevel.Warning, "Task [{TaskId}] ordered by '{OrderKey}' runs without waiting for the earlier task {GapId} ({Gaps} in all), pending and unseen since {Since:o}, longer than TaskStateOptions.OrderGapTimeout: its message seems lost (sent without the outbox by a process that stopped before the publish, or purged). If it comes later it runs out of order. Send ordered tasks through the outbox; revoke a stuck task to release its successors at once")]
    public static partial void OrderGapSkipped(ILogger logger, string taskId, string orderKey, string gapId, long gaps, DateTimeOffset since);
}
