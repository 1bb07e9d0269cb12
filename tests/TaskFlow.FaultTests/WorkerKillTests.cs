using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>Scenario 1: 10,000 tasks, the worker process killed with SIGKILL during processing and restarted.</summary>
[Collection(BrokerFaults.Name)]
public sealed class WorkerKillTests(ITestOutputHelper output)
{
    private const int Total = 10_000;

    // Kill the worker when this many distinct tasks have completed (so every kill lands mid-run).
    private static readonly int[] KillAt = { 1_500, 4_000, 6_500, 8_500 };

    private static readonly string[] Pace = ["--work-ms", "2"];

    [Fact]
    public async Task Scenario1_worker_killed_with_sigkill_during_10000_tasks_loses_none()
    {
        await using var run = await FaultRun.StartAsync("kill", output);
        var client = await run.StartPublisherAsync();
        var watch = Stopwatch.StartNew();

        await Parallel.ForEachAsync(
            Enumerable.Range(0, Total),
            new ParallelOptions { MaxDegreeOfParallelism = 64 },
            async (n, ct) => await client.Work.DelayAsync(n, ct));
        var published = watch.Elapsed;
        run.Log($"[kill] published {Total} fault.work tasks (confirmed) in {published.TotalSeconds:F1} s");

        var processing = Stopwatch.StartNew();
        // 2 ms per task, synchronous: the worker's thread pool starts with a thread per core and grows slowly, so about
        // 1,000 tasks/s and the 2,000-2,500 completions between two kill points take seconds; the poll of the out file
        // (every 20 ms) cannot miss one even when CI's load stalls this process. Without a pace CI once saw all 10,000
        // done before the third kill (5,800 tasks in about a second after the second).
        var worker = run.StartWorker(concurrency: 8, prefetch: 64, extra: Pace);
        var kills = 0;
        var deadline = Stopwatch.StartNew();
        var distinct = 0;
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            distinct = run.ReadOut().WorkCounts().Count;
            if (distinct >= Total)
            {
                break;
            }

            if (kills < KillAt.Length && distinct >= KillAt[kills])
            {
                worker.KillNine();
                kills++;
                run.Log($"[kill] kill -9 #{kills} of pid {worker.Pid} at {distinct} distinct completions ({processing.Elapsed.TotalSeconds:F1} s); restarting");
                worker = run.StartWorker(concurrency: 8, prefetch: 64, extra: Pace);
            }
            else if (worker.HasExited)
            {
                throw new InvalidOperationException($"the worker process exited by itself (code {worker.ExitCode}); see {run.Directory}/worker.log");
            }

            await Task.Delay(20);
        }

        var elapsed = processing.Elapsed;
        var counts = run.ReadOut().WorkCounts();
        var lost = Enumerable.Range(0, Total).Count(n => !counts.ContainsKey(n));
        var duplicates = counts.Values.Sum(c => c - 1);
        var stray = counts.Keys.Count(n => n is < 0 or >= Total);

        // Settle: every message acked, nothing left ready in the queue nor dead-lettered.
        (uint Messages, uint Consumers) left = default;
        for (var i = 0; i < 50; i++)
        {
            left = await BrokerControl.CountAsync(run.Queue);
            if (left.Messages == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        var dead = await BrokerControl.CountAsync(run.DeadLetterQueue);
        run.Log($"[kill] RESULT tasks={Total} completed_distinct={counts.Count} lost={lost} duplicates={duplicates} kills={kills} " +
            $"worker_processes={run.WorkersStarted} elapsed={elapsed.TotalSeconds:F1}s (publish {published.TotalSeconds:F1}s) " +
            $"throughput={Total / elapsed.TotalSeconds:F0}/s queue_left={left.Messages} dead_lettered={dead.Messages}");
        if (lost > 0)
        {
            run.Log("[kill] lost: " + string.Join(", ", Enumerable.Range(0, Total).Where(n => !counts.ContainsKey(n)).Take(50)));
        }

        lost.ShouldBe(0);
        stray.ShouldBe(0);
        kills.ShouldBeGreaterThanOrEqualTo(3);
        left.Messages.ShouldBe(0u);
        dead.Messages.ShouldBe(0u);
        run.Passed();
    }
}

/// <summary>The fault scenarios share the broker: one collection, never in parallel (also off in xunit.runner.json).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerFaults
{
    public const string Name = "broker faults";
}
