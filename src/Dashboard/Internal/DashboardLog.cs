using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Dashboard.Internal;

/// <summary>The dashboard's log events (category <c>TaskFlow.Dashboard</c>, ids 9001-9003, docs/configuration.md#logging).</summary>
internal static partial class DashboardLog
{
    public const string Category = "TaskFlow.Dashboard";

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Dashboard action {Action} by {User} on {Target}: {Outcome}")]
    public static partial void ActionDone(ILogger logger, string action, string user, string target, string outcome);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Dashboard action {Action} by {User} failed")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string action, string user);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Dashboard page {Path} failed")]
    public static partial void PageFailed(ILogger logger, Exception exception, string? path);
}
