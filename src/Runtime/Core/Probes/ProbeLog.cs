using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Core.Probes;

/// <summary>The probe's logs (7xxx), category <c>TaskFlow.Probe</c>.</summary>
internal static partial class ProbeLog
{
    [LoggerMessage(7001, LogLevel.Information, "Probing queues {Queues} every {Interval}")]
    public static partial void ProbeStarted(ILogger logger, string queues, TimeSpan interval);

    [LoggerMessage(7002, LogLevel.Debug, "Probe of queue {Queue} answered in {LatencyMs} ms")]
    public static partial void ProbeAnswered(ILogger logger, string queue, double latencyMs);

    [LoggerMessage(7003, LogLevel.Warning, "Probe of queue {Queue} did not run: {Problem}")]
    public static partial void ProbeLost(ILogger logger, string queue, string problem);

    [LoggerMessage(7004, LogLevel.Warning, "Probe of queue {Queue} could not be sent or read: {ExceptionType}: {Message}")]
    public static partial void ProbeFailed(ILogger logger, string queue, string exceptionType, string message);

    [LoggerMessage(7005, LogLevel.Warning, "Queue figures could not be read from the broker: {ExceptionType}: {Message}")]
    public static partial void QueueFiguresFailed(ILogger logger, string exceptionType, string message);
}
