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

/// <summary>Scenario 4: delayed tasks (countdowns 0.5-20 s) in the broker's delay levels while the broker restarts.</summary>
[Collection(BrokerFaults.Name)]
public sealed class DelayedTaskTests(ITestOutputHelper output)
{
    private const int Total = 200;

    // Same clock on both sides; Unix milliseconds are truncated on both, so 1 ms is the real granularity.
    private const long ClockToleranceMs = 5;

    private static readonly TimeSpan MaxWaitAfterBrokerBack = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task Scenario4_delayed_tasks_survive_a_broker_restart_and_none_runs_early()
    {
        await using var run = await FaultRun.StartAsync("delay", output);
        var client = await run.StartPublisherAsync();
        var worker = run.StartWorker(concurrency: 8, prefetch: 32, verbose: true);
        await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));

        // Countdowns from 0.5 s to 20 s; even n through SendOptions.Countdown, odd n through SendOptions.Eta.
        var random = new Random(4242);
        var countdowns = Enumerable.Range(0, Total)
            .Select(n => n switch { 0 => 500, 1 => 20_000, _ => 500 + random.Next(19_501) })
            .ToArray();
        var sentAt = DateTimeOffset.UtcNow;
        var due = new long[Total];
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Total), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, ct) =>
        {
            var countdown = TimeSpan.FromMilliseconds(countdowns[n]);
            if (n % 2 == 0)
            {
                // The envelope's ETA is computed inside ApplyAsync, a little after this: due <= ETA.
                due[n] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + countdowns[n];
                await client.Stamp.ApplyAsync(n, due[n], new SendOptions { Countdown = countdown }, ct);
            }
            else
            {
                due[n] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + countdowns[n];
                await client.Stamp.ApplyAsync(n, due[n], new SendOptions { Eta = DateTimeOffset.FromUnixTimeMilliseconds(due[n]) }, ct);
            }
        });
        run.Log($"[delay] sent {Total} delayed fault.stamp tasks (countdowns {countdowns.Min()}-{countdowns.Max()} ms) in {watch.Elapsed.TotalSeconds:F1} s");

        await Task.Delay(TimeSpan.FromSeconds(3));
        var stopAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var inFlightAtStop = Total - run.ReadOut().Stamps().Select(s => s.N).Distinct().Count();
        run.Log($"[delay] stopping the broker {(stopAt - sentAt.ToUnixTimeMilliseconds()) / 1000.0:F1} s after the first send, {inFlightAtStop} tasks still delayed");
        var (stop, outage) = await BrokerControl.RestartAsync();
        var backAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        run.Log($"[delay] broker back after {outage.TotalSeconds:F1} s (stop took {stop.TotalSeconds:F1} s)");

        // RabbitMQ 3.10 can fail to forward messages that expired in a delay level while the node was booting
        // (the level's dead-letter exchange or bindings not recovered yet). At-least-once dead-lettering keeps
        // them and retries after dead_letter_worker_publisher_confirm_timeout (180 s by default): wait past that.
        var deadline = Stopwatch.StartNew();
        var nextProgress = TimeSpan.FromSeconds(30);
        List<(int N, long Due, long Actual)> stamps;
        while (true)
        {
            stamps = run.ReadOut().Stamps();
            var arrived = stamps.Select(s => s.N).ToHashSet();
            if (arrived.Count >= Total || deadline.Elapsed > MaxWaitAfterBrokerBack)
            {
                break;
            }

            if (deadline.Elapsed > nextProgress)
            {
                run.Log($"[delay] {deadline.Elapsed.TotalSeconds:F0} s after the broker was back, still waiting for {Total - arrived.Count} tasks: " +
                    string.Join(", ", Enumerable.Range(0, Total).Where(n => !arrived.Contains(n)).Take(20).Select(n => $"n={n} due {(due[n] - backAt) / 1000.0:F1} s after broker back")));
                nextProgress += TimeSpan.FromSeconds(30);
            }

            await Task.Delay(100);
        }

        var first = stamps.GroupBy(s => s.N).ToDictionary(g => g.Key, g => g.OrderBy(s => s.Actual).First());
        var missing = Enumerable.Range(0, Total).Where(n => !first.ContainsKey(n)).ToList();
        var lateness = first.Values.Select(s => s.Actual - s.Due).ToList();
        var early = first.Values.Where(s => s.Actual - s.Due < -ClockToleranceMs).ToList();
        var anyEarly = stamps.Where(s => s.Actual - s.Due < -ClockToleranceMs).ToList();
        var dueMismatch = first.Values.Count(s => s.Due != due[s.N]);

        run.Log($"[delay] RESULT tasks={Total} arrived={first.Count} missing={missing.Count} early={anyEarly.Count} duplicates={stamps.Count - first.Count} " +
            $"outage={outage.TotalSeconds:F1}s status_not_consuming={worker.NotConsumingFor.TotalSeconds:F1}s lateness_ms {Stats(lateness)}");
        Report(run, "due before the stop", first.Values.Where(s => s.Due < stopAt));
        Report(run, "due during the outage", first.Values.Where(s => s.Due >= stopAt && s.Due < backAt));
        Report(run, "due after the broker was back", first.Values.Where(s => s.Due >= backAt));
        run.Log("[delay]   latest: " + string.Join(", ", first.Values.OrderByDescending(s => s.Actual - s.Due).Take(5)
            .Select(s => $"n={s.N} late {(s.Actual - s.Due) / 1000.0:F1} s, ran {(s.Actual - backAt) / 1000.0:F1} s after broker back")));
        if (anyEarly.Count > 0)
        {
            run.Log("[delay] early: " + string.Join(", ", anyEarly.Take(20).Select(s => $"n={s.N} {s.Actual - s.Due} ms")));
        }

        missing.ShouldBeEmpty();
        anyEarly.ShouldBeEmpty();
        dueMismatch.ShouldBe(0);
        worker.HasExited.ShouldBeFalse();
        run.Passed();
    }

    private static void Report(FaultRun run, string label, IEnumerable<(int N, long Due, long Actual)> stamps)
    {
        var list = stamps.Select(s => s.Actual - s.Due).ToList();
        run.Log($"[delay]   {label}: {list.Count} tasks, lateness_ms {Stats(list)}");
    }

    private static string Stats(List<long> values)
    {
        if (values.Count == 0)
        {
            return "-";
        }

        var sorted = values.OrderBy(v => v).ToList();
        long Percentile(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return $"min={sorted[0]} p50={Percentile(0.50)} p99={Percentile(0.99)} max={sorted[^1]}";
    }
}
