using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskFlow;

namespace Scoring;

/// <summary>The background part of placing an order.</summary>
public static partial class ScoringTasks
{
    /// <summary>
    /// Calculates the user's score after an order. The message carries ids only (the task reads the orders when it
    /// runs, so it never scores stale data). Idempotent: a message delivered twice, or a task for an order that a
    /// later calculation already counted, returns early and changes nothing (<see cref="ScoreBook.CalculateAsync"/>).
    /// </summary>
    [Task(Queue = "scores")]
    [Retry(5)]
    public static async Task CalculateScore(int userId, long orderId, [FromServices] ScoreBook scores, ILogger<ScoreBook> logger, CancellationToken cancellationToken)
    {
        if (!await scores.CalculateAsync(userId, orderId, cancellationToken).ConfigureAwait(false))
        {
            ScoringLog.AlreadyScored(logger, userId, orderId);
        }
    }
}
