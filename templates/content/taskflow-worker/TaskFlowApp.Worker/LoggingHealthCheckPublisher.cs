using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlowApp.Worker;

/// <summary>
/// Writes the health report to the log when its status changes (a worker has no HTTP endpoint to probe; put
/// <c>app.MapHealthChecks("/health")</c> in a web host instead, or write a file your orchestrator checks).
/// </summary>
public sealed partial class LoggingHealthCheckPublisher(ILogger<LoggingHealthCheckPublisher> logger) : IHealthCheckPublisher
{
    private HealthStatus? _last;

    /// <inheritdoc />
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        if (report.Status != _last)
        {
            _last = report.Status;
            var details = string.Join("; ", report.Entries.Select(entry => entry.Key + ": " + entry.Value.Status + " " + entry.Value.Description));
            if (report.Status == HealthStatus.Healthy)
            {
                LogHealthy(logger, details);
            }
            else
            {
                LogUnhealthy(logger, report.Status, details);
            }
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Information, "Health: Healthy ({Details})")]
    private static partial void LogHealthy(ILogger logger, string details);

    [LoggerMessage(2, LogLevel.Warning, "Health: {Status} ({Details})")]
    private static partial void LogUnhealthy(ILogger logger, HealthStatus status, string details);
}
