using Microsoft.Extensions.Logging;

namespace TaskFlowApp.Tasks;

/// <summary>A stand-in for a mail provider: logs the email it would send.</summary>
public sealed partial class LoggingWelcomeEmailSender(ILogger<LoggingWelcomeEmailSender> logger) : IWelcomeEmailSender
{
    /// <inheritdoc />
    public Task SendAsync(int userId, CancellationToken cancellationToken)
    {
        LogSent(logger, userId);
        return Task.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Information, "Welcome email sent to user {UserId}")]
    private static partial void LogSent(ILogger logger, int userId);
}
