using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>
/// Scenarios 6-9: long-running tasks in lease mode (<c>fault.long_steps</c>, <c>[Task(LongRunning = true)]</c>) with the
/// PostgreSQL state store. The message is acked when the task starts, atomically with a lease row the worker renews;
/// a killed worker's lease expires and a reaper on a live worker sends the task again, which resumes from its
/// checkpoint. Each completed task writes one effect row in its own transaction, committed with its completion
/// record: the count of effect rows is the "exactly once in effect" measure.
/// </summary>
[Collection(BrokerFaults.Name)]
public sealed class LongRunningTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Scenario6_a_lease_mode_task_three_times_the_consumer_timeout_runs_once_with_progress_readable()
    {
        await using var run = await FaultRun.StartAsync("lease", output);
        var state = await run.StartStateAsync(leaseMs: 2000, reapMs: 500);
        await BrokerSettings.SetAsync("consumer_timeout", 3000);
        await BrokerSettings.SetAsync("channel_tick_interval", 1000);
        try
        {
            var worker = run.StartWorker(concurrency: 2, prefetch: 2, verbose: true, extra: state.WorkerArguments.Append("--consumer-timeout-ms").Append("3000"));
            await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            var watch = Stopwatch.StartNew();
            var handle = await state.Client.LongSteps.DelayAsync(1, 20, 450); // 9 s: three consumer timeouts

            var progress = new List<long>();
            TaskStateInfo? info;
            do
            {
                info = await ((TaskHandle)handle).GetStateAsync();
                if (info?.Progress is { } p && (progress.Count == 0 || progress[^1] != p.Done))
                {
                    progress.Add(p.Done);
                }

                await Task.Delay(250);
            }
            while (info is not { IsFinal: true } && watch.Elapsed < Timeout);

            var lines = run.ReadOut().Lines;
            var log = File.ReadAllText(Path.Combine(run.Directory, "worker.log"));
            var closed = log.Contains("closed the consumer channel", StringComparison.Ordinal);
            var effects = await state.EffectsAsync();
            run.Log($"[lease] RESULT state={info?.State} attempts={info?.Attempts} runs={lines.Count(l => l.StartsWith("lstart 1 ", StringComparison.Ordinal))} " +
                    $"effects={effects.GetValueOrDefault(1)} progress_reads={progress.Count} ({string.Join(",", progress)}) channel_closed={closed} elapsed={watch.Elapsed.TotalSeconds:F1}s (consumer_timeout 3 s)");

            info.ShouldNotBeNull().State.ShouldBe(TaskState.Succeeded);
            info.Attempts.ShouldBe(1);
            lines.Count(l => l.StartsWith("lstart 1 ", StringComparison.Ordinal)).ShouldBe(1, "the task ran once");
            effects.GetValueOrDefault(1).ShouldBe(1);
            closed.ShouldBeFalse("no message was held unacked long enough for the broker's consumer timeout");
            progress.Count.ShouldBeGreaterThanOrEqualTo(4, "progress was readable while the task ran");
            progress[^1].ShouldBe(20);
            watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(9));
            run.Passed();
        }
        finally
        {
            await BrokerSettings.RestoreAsync();
        }
    }

    [Fact]
    public async Task Scenario7_a_killed_workers_lease_expires_and_the_task_resumes_from_its_checkpoint_on_another_worker()
    {
        await using var run = await FaultRun.StartAsync("resume", output);
        var state = await run.StartStateAsync(leaseMs: 2000, reapMs: 500);
        var workers = new[]
        {
            run.StartWorker(concurrency: 1, prefetch: 1, extra: state.WorkerArguments),
            run.StartWorker(concurrency: 1, prefetch: 1, extra: state.WorkerArguments),
        };
        await Task.WhenAll(workers.Select(w => w.Ready)).WaitAsync(TimeSpan.FromSeconds(60));

        var handle = await state.Client.LongSteps.DelayAsync(1, 30, 200); // 6 s
        await Until(async () => (await ((TaskHandle)handle).GetStateAsync())?.Progress?.Done >= 8, "8 steps done");
        var doneAtKill = 8; // at least: progress is written at most once a second, checkpoints at every step
        var first = Starts(run).Single(s => s.N == 1);
        var victim = workers.Single(w => w.Pid == first.Pid);
        victim.KillNine();
        var killed = Stopwatch.StartNew();

        await Until(() => Task.FromResult(Starts(run).Any(s => s.N == 1 && s.Attempt == 2)), "the second run started");
        var resumedAfter = killed.Elapsed;
        var info = await ((TaskHandle)handle).WaitAsync(Timeout);
        var second = Starts(run).Single(s => s.N == 1 && s.Attempt == 2);
        var effects = await state.EffectsAsync();
        run.Log($"[resume] RESULT killed_after_step>={doneAtKill} resumed_from={second.From} attempt={second.Attempt} resumed_after={resumedAfter.TotalSeconds:F1}s " +
                $"(lease 2 s, reap every 0.5 s) state={info.State} attempts={info.Attempts} effects={effects.GetValueOrDefault(1)}");

        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(2);
        second.Pid.ShouldNotBe(first.Pid);
        second.From.ShouldBeGreaterThanOrEqualTo(doneAtKill, "it resumed from its checkpoint");
        second.From.ShouldBeLessThan(30);
        effects.GetValueOrDefault(1).ShouldBe(1);
        resumedAfter.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        run.Passed();
    }

    [Fact]
    public async Task Scenario8_twenty_long_tasks_across_three_workers_with_three_kills_complete_exactly_once_in_effect()
    {
        const int Tasks = 20;
        await using var run = await FaultRun.StartAsync("leasekill", output);
        var state = await run.StartStateAsync(leaseMs: 2000, reapMs: 500);
        var workers = Enumerable.Range(0, 3).Select(_ => run.StartWorker(concurrency: 2, prefetch: 2, extra: state.WorkerArguments)).ToList();
        await Task.WhenAll(workers.Select(w => w.Ready)).WaitAsync(TimeSpan.FromSeconds(60));

        var watch = Stopwatch.StartNew();
        var handles = new List<TaskHandle>();
        for (var n = 0; n < Tasks; n++)
        {
            handles.Add(await state.Client.LongSteps.DelayAsync(n, 10, 300)); // 3 s each, 60 s of work on 6 slots
        }

        var kills = 0;
        foreach (var at in new[] { 2.0, 5.0, 8.0 })
        {
            while (watch.Elapsed < TimeSpan.FromSeconds(at))
            {
                await Task.Delay(100);
            }

            // A worker that is running a task right now (its latest started run has not ended).
            var running = Starts(run).Select(s => s.Pid).ToHashSet();
            var victim = workers.FirstOrDefault(w => !w.HasExited && running.Contains(w.Pid)) ?? workers.First(w => !w.HasExited);
            victim.KillNine();
            kills++;
            workers.Remove(victim);
            var replacement = run.StartWorker(concurrency: 2, prefetch: 2, extra: state.WorkerArguments);
            workers.Add(replacement);
        }

        var infos = new List<TaskStateInfo>();
        foreach (var handle in handles)
        {
            infos.Add(await handle.WaitAsync(Timeout));
        }

        var effects = await state.EffectsAsync();
        var starts = Starts(run);
        var succeeded = infos.Count(i => i.State == TaskState.Succeeded);
        var lost = Tasks - effects.Count;
        var duplicated = effects.Values.Sum(c => c - 1);
        run.Log($"[leasekill] RESULT tasks={Tasks} kills={kills} succeeded={succeeded} effects={effects.Values.Sum()} lost={lost} duplicated_effects={duplicated} " +
                $"runs={starts.Count} runs_counted_by_store={infos.Sum(i => i.Attempts)} resumed_runs={starts.Count(s => s.Attempt > 1)} resumed_from_checkpoint={starts.Count(s => s.Attempt > 1 && s.From > 0)} " +
                $"max_attempt={infos.Max(i => i.Attempts)} elapsed={watch.Elapsed.TotalSeconds:F1}s");

        succeeded.ShouldBe(Tasks);
        lost.ShouldBe(0);
        duplicated.ShouldBe(0);
        effects.Keys.OrderBy(n => n).ShouldBe(Enumerable.Range(0, Tasks));
        starts.Count.ShouldBe(infos.Sum(i => i.Attempts), "the store counted every run that started, the killed ones too");
        starts.Count(s => s.Attempt > 1).ShouldBeGreaterThan(0, "the kills cut runs short, which ran again");
        run.Passed();
    }

    [Fact]
    public async Task Scenario9_cancel_reaches_a_running_task_on_another_worker_within_two_seconds()
    {
        await using var run = await FaultRun.StartAsync("cancel", output);
        var state = await run.StartStateAsync(leaseMs: 5000, reapMs: 1000, revokePollMs: 1000);
        var worker = run.StartWorker(concurrency: 2, prefetch: 2, extra: state.WorkerArguments);
        await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));

        var latencies = new List<long>();
        for (var n = 1; n <= 3; n++)
        {
            var handle = await state.Client.LongSteps.DelayAsync(n, 10_000, 100);
            await Until(async () => (await ((TaskHandle)handle).GetStateAsync())?.Progress?.Done >= 2, $"task {n} is running");
            var requested = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            (await handle.CancelAsync()).ShouldBeTrue();
            var prefix = string.Create(CultureInfo.InvariantCulture, $"lcancel {n} ");
            await Until(() => Task.FromResult(WorkerLog(run).Any(l => l.Contains(prefix, StringComparison.Ordinal))), $"task {n} saw its token cancelled");
            var line = WorkerLog(run).First(l => l.Contains(prefix, StringComparison.Ordinal));
            var reached = long.Parse(line[(line.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..].Trim(), CultureInfo.InvariantCulture);
            latencies.Add(reached - requested);
            (await ((TaskHandle)handle).WaitAsync(Timeout)).State.ShouldBe(TaskState.Revoked);
        }

        run.Log($"[cancel] RESULT cancel_to_token_ms={string.Join(",", latencies)} (revoke poll 1 s) max={latencies.Max()}");
        latencies.ShouldAllBe(ms => ms < 2000);
        run.Passed();
    }

    /// <summary>The runs the worker processes started, from their stdout (the shared out file is not safe for concurrent writers).</summary>
    private static List<(int N, int Attempt, int From, int Pid)> Starts(FaultRun run)
    {
        var result = new List<(int, int, int, int)>();
        foreach (var line in WorkerLog(run))
        {
            // ... lstart {n} attempt {a} from {f} pid {p}
            var at = line.IndexOf("lstart ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var parts = line[at..].Split(' ');
            if (parts.Length == 8 && parts[0] == "lstart")
            {
                result.Add((int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture), int.Parse(parts[5], CultureInfo.InvariantCulture), int.Parse(parts[7], CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }

    private static string[] WorkerLog(FaultRun run)
    {
        var path = Path.Combine(run.Directory, "worker.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private static Task Until(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, Timeout);
}
