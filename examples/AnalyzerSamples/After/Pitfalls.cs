using System;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow;

namespace AnalyzerSamples;

public static partial class ReportTasks
{
    [Task(SoftTimeLimitSeconds = 30)]                                        // the task takes the token the limit cancels
    [Retry(5)]                                                               // exponential backoff with jitter
    public static async Task Render(int reportId, ReportFormat format, IReportStore store, IStats stats, CancellationToken cancellationToken)
    {
        await Task.Delay(500, cancellationToken);                            // awaits instead of blocking a worker thread
        await using var output = await store.CreateAsync(reportId, cancellationToken);   // the stream is opened by the worker
        await using var writer = new StreamWriter(output);
        await writer.WriteAsync(format == ReportFormat.Csv ? "id\n" + reportId : "%PDF " + reportId);
        await stats.IncrementAsync("reports_rendered", cancellationToken);   // a counter every worker shares
    }

    [Task]
    public static void Sync(int accountId, TaskContext context)
    {
        if (context.Attempt < 3 && accountId > 0)
        {
            throw context.Retry(TimeSpan.FromHours(1));                      // thrown, and within the delay range
        }
    }
}

public sealed class ReportService(ReportTasks.Client tasks, DbConnection connection)
{
    public async Task RequestAsync(int reportId)
    {
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await transaction.CommitAsync();
        }

        await tasks.Sync.DelayAsync(reportId);                               // after the commit (the outbox will do better)
        await tasks.Render.DelayAsync(reportId, ReportFormat.Pdf);           // awaited: confirmed by the broker
        await tasks.Sync.ApplyAsync(reportId, new SendOptions { Countdown = TimeSpan.FromDays(20) });
    }
}
