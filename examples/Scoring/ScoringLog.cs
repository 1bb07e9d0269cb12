using Microsoft.Extensions.Logging;

namespace Scoring;

internal static partial class ScoringLog
{
    [LoggerMessage(1, LogLevel.Information, "Score of user {UserId} already counts order {OrderId}: nothing to do")]
    public static partial void AlreadyScored(ILogger logger, int userId, long orderId);
}
