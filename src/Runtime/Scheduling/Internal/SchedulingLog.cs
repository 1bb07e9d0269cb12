using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Scheduling.Internal;

/// <summary>The scheduler's structured logs (source-generated). Event ids 8xxx.</summary>
internal static partial class SchedulingLog
{
    [LoggerMessage(8001, LogLevel.Information, "Scheduler {Holder} holds lease {Lease} (token {Token})")]
    public static partial void LeaseAcquired(ILogger logger, string holder, string lease, long token);

    [LoggerMessage(8002, LogLevel.Warning, "Scheduler {Holder} lost lease {Lease} (token {Token}): another scheduler took over, or it could not renew in time; it stops firing")]
    public static partial void LeaseLost(ILogger logger, string holder, string lease, long token);

    [LoggerMessage(8003, LogLevel.Information, "Scheduler {Holder} released lease {Lease} (token {Token})")]
    public static partial void LeaseReleased(ILogger logger, string holder, string lease, long token);

    [LoggerMessage(8004, LogLevel.Debug, "Schedule {Schedule}: {Sent} sent, {Skipped} skipped, {Buffered} buffered; next fire {NextFireAt:O}")]
    public static partial void Fired(ILogger logger, string schedule, int sent, int skipped, int buffered, DateTimeOffset? nextFireAt);

    [LoggerMessage(8005, LogLevel.Information, "Schedule {Schedule}: {Missed} missed fire(s) dropped by its catch-up policy {Policy}")]
    public static partial void Missed(ILogger logger, string schedule, int missed, CatchUpPolicy policy);

    [LoggerMessage(8006, LogLevel.Warning, "Scheduler pass failed; trying again in {Delay}")]
    public static partial void PassFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(8007, LogLevel.Information, "Scheduler: {Count} schedule(s) declared in code stored")]
    public static partial void DeclaredUpserted(ILogger logger, int count);

    [LoggerMessage(8008, LogLevel.Warning, "Schedule {Schedule}: cannot be fired ({Reason}); it is left as it is")]
    public static partial void ScheduleBroken(ILogger logger, string schedule, string reason);

    [LoggerMessage(8009, LogLevel.Information, "Schedule {Schedule}: task {TaskId} of the previous fire revoked (CancelOther)")]
    public static partial void Revoked(ILogger logger, string schedule, string taskId);
}
