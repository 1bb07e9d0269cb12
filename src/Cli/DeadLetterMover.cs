using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Spectre.Console;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli;

/// <summary>Runs a re-drive or a discard over one or more queues with a progress bar (a line a second without a terminal) and a summary.</summary>
internal static class DeadLetterMover
{
    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> queues, DeadLetterFilter filter, double? rate, bool redrive, bool json)
    {
        var verb = redrive ? "re-drove" : "discarded";
        var results = new List<(DeadLetterMoveResult Result, TimeSpan Elapsed)>();
        long taken = 0;
        foreach (var queue in queues)
        {
            if (filter.Limit is { } limit && taken >= limit)
            {
                break;
            }

            var each = new DeadLetterFilter { TaskName = filter.TaskName, ExceptionType = filter.ExceptionType, Since = filter.Since, Until = filter.Until, EntityKey = filter.EntityKey, Limit = filter.Limit - (int)taken };
            each.TaskIds.UnionWith(filter.TaskIds);
            var options = new DeadLetterMoveOptions { MaxPerSecond = rate };
            var watch = Stopwatch.StartNew();
            DeadLetterMoveResult result;
            var label = (redrive ? "re-drive " : "discard ") + queue;
            if (!json && !Console.IsOutputRedirected)
            {
                result = await context.Out.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask(Markup.Escape(label));
                        options.Progress = new Reporter(p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Examined;
                        });
                        var moved = await Move(context, queue, each, options, redrive).ConfigureAwait(false);
                        task.Value = task.MaxValue;
                        return moved;
                    }).ConfigureAwait(false);
            }
            else
            {
                var last = Stopwatch.StartNew();
                var output = json ? Console.Error : Console.Out;
                options.Progress = new Reporter(p =>
                {
                    if (last.ElapsedMilliseconds >= 1000)
                    {
                        last.Restart();
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {p.Examined:N0}/{p.Total:N0} examined, {p.Done:N0} done, {p.Failed:N0} failed"));
                    }
                });
                result = await Move(context, queue, each, options, redrive).ConfigureAwait(false);
            }

            taken += result.Matched;
            results.Add((result, watch.Elapsed));
        }

        var failed = results.Sum(r => r.Result.Failed);
        if (json)
        {
            context.WriteJson(results.Select(r => new
            {
                r.Result.DeadLetterQueue,
                r.Result.Examined,
                r.Result.Matched,
                r.Result.Done,
                r.Result.Failed,
                r.Result.Remaining,
                ElapsedSeconds = Math.Round(r.Elapsed.TotalSeconds, 3),
            }).ToList());
        }
        else
        {
            foreach (var (result, elapsed) in results)
            {
                var perSecond = elapsed.TotalSeconds > 0 ? result.Done / elapsed.TotalSeconds : 0;
                context.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{verb} {result.Done:N0} of {result.Matched:N0} matching dead letter(s) from {result.DeadLetterQueue} in {elapsed.TotalSeconds:0.0} s ({perSecond:N0}/s); {result.Failed:N0} failed, {result.Examined:N0} examined, {result.Remaining:N0} left"));
            }

            if (results.Count == 0)
            {
                context.Out.WriteLine("no dead letters");
            }
        }

        return failed > 0
            ? CliContext.Error($"{failed} dead letter(s) could not be {(redrive ? "re-driven" : "discarded")} and stay in their dead-letter queue (see the warnings above).", ExitCodes.Failed)
            : ExitCodes.Success;
    }

    private static Task<DeadLetterMoveResult> Move(CliContext context, string queue, DeadLetterFilter filter, DeadLetterMoveOptions options, bool redrive) => redrive
        ? context.Admin.RedriveDeadLettersAsync(queue, filter, options, context.CancellationToken)
        : context.Admin.DiscardDeadLettersAsync(queue, filter, options, context.CancellationToken);

    /// <summary>Reports synchronously, on the operation's thread (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    private sealed class Reporter(Action<DeadLetterProgress> report) : IProgress<DeadLetterProgress>
    {
        public void Report(DeadLetterProgress value) => report(value);
    }
}
