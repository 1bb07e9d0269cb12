using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace TaskFlow.Cli;

/// <summary>The queues a <c>dead</c> command works on: the one named, else every TaskFlow queue with dead letters.</summary>
internal static class DeadLetterQueues
{
    public static async Task<IReadOnlyList<string>> ResolveAsync(CliContext context, string? queue)
    {
        if (queue is not null)
        {
            return [queue];
        }

        var stats = await context.Admin.GetQueueStatsAsync(null, context.CancellationToken).ConfigureAwait(false);
        return stats.Where(s => s.DeadLetters > 0).Select(s => s.Name).ToList();
    }
}
