using System;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow;

namespace AnalyzerSamples;

public static partial class ReportTasks
{
    private static int s_rendered;

    [Task(SoftTimeLimitSeconds = 30)] // expect: TF1010
    [Retry(5, Backoff = RetryBackoff.Fixed)] // expect: TF1007
    public static void Render(int reportId, Func<int, string> format, Stream output) // expect: TF1002, TF1009
    {
        Thread.Sleep(500); // expect: TF1005
        using var writer = new StreamWriter(output);
        writer.Write(format(reportId));
        s_rendered++; // expect: TF1006
    }

    [Task]
    public static void Sync(int accountId, TaskContext context)
    {
        if (context.Attempt < 3 && accountId > 0)
        {
            context.Retry(TimeSpan.FromDays(45)); // expect: TF1012, TF1007
        }
    }
}

public sealed class ReportService(ReportTasks.Client tasks, DbConnection connection)
{
    public async Task RequestAsync(int reportId)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await tasks.Sync.DelayAsync(reportId); // expect: TF1004
        await transaction.CommitAsync();

        tasks.Render.DelayAsync(reportId, id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)); // expect: TF1003
        await tasks.Sync.ApplyAsync(reportId, new SendOptions { Countdown = TimeSpan.FromDays(60) }); // expect: TF1011
    }
}
