using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>Scenario 2: the broker stopped and started while an in-test publisher sends and a worker process consumes.</summary>
[Collection(BrokerFaults.Name)]
public sealed class BrokerRestartTests(ITestOutputHelper output)
{
    private const int Total = 5_000;
    private const int RestartAfterConfirmed = 1_500;

    [Fact]
    public async Task Scenario2_broker_restarted_during_publish_and_consume_loses_no_confirmed_task()
    {
        await using var run = await FaultRun.StartAsync("restart", output);

        // Two publishers: even n wait out the outage (default PublishRetryTimeout 30 s); odd n give up after 3 s,
        // so some sends are told they failed. Only those may be missing.
        var patient = await run.StartPublisherAsync();
        var impatient = await run.StartPublisherAsync(o => o.PublishRetryTimeout = TimeSpan.FromSeconds(3));
        var worker = run.StartWorker(concurrency: 4, prefetch: 32, verbose: true);
        await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));

        var confirmed = new bool[Total];
        var confirmedCount = 0;
        var failed = new ConcurrentDictionary<int, Exception>();
        using var gate = new SemaphoreSlim(64);
        var sends = new List<Task>(Total);
        var watch = Stopwatch.StartNew();

        var restart = Task.Run(async () =>
        {
            while (Volatile.Read(ref confirmedCount) < RestartAfterConfirmed)
            {
                if (watch.Elapsed > TimeSpan.FromMinutes(3))
                {
                    throw new TimeoutException($"only {Volatile.Read(ref confirmedCount)} sends were confirmed in 3 min; {failed.Count} failed");
                }

                await Task.Delay(10);
            }

            var at = watch.Elapsed;
            var completedBefore = run.ReadOut().WorkCounts().Count;
            run.Log($"[restart] stopping the broker at {at.TotalSeconds:F1} s: {Volatile.Read(ref confirmedCount)} confirmed, {completedBefore} completed");
            var (stop, outage) = await BrokerControl.RestartAsync();
            var back = watch.Elapsed;
            var completedAtBack = run.ReadOut().WorkCounts().Count;
            run.Log($"[restart] broker back after {outage.TotalSeconds:F1} s (stop took {stop.TotalSeconds:F1} s) at {back.TotalSeconds:F1} s; {completedAtBack} completed");

            // The old consumer died with its connection: the first new completion shows the worker consumes again.
            TimeSpan? resumed = null;
            while (watch.Elapsed - back < TimeSpan.FromSeconds(90))
            {
                if (run.ReadOut().WorkCounts().Count > completedAtBack)
                {
                    resumed = watch.Elapsed - back;
                    break;
                }

                await Task.Delay(50);
            }

            run.Log($"[restart] worker consuming again {(resumed is { } r ? $"{r.TotalSeconds:F1} s" : "never (90 s)")} after the broker was back");
            return (At: at, Outage: outage, CompletedBefore: completedBefore, CompletedAtBack: completedAtBack, Resumed: resumed);
        });

        // 5,000 sends at up to ~250/s with at most 64 in flight: the load spans the broker's outage.
        for (var n = 0; n < Total && !restart.IsFaulted; n++)
        {
            await gate.WaitAsync();
            var i = n;
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    await (i % 2 == 0 ? patient : impatient).Work.DelayAsync(i);
                    confirmed[i] = true;
                    Interlocked.Increment(ref confirmedCount);
                }
                catch (Exception ex)
                {
                    failed[i] = ex;
                }
                finally
                {
                    gate.Release();
                }
            }));
            if (n % 25 == 24)
            {
                await Task.Delay(100);
            }
        }

        await Task.WhenAll(sends);
        var publishing = watch.Elapsed;
        var restarted = await restart;

        // Settle: every confirmed task completes, or the deadline says the worker did not resume.
        var confirmedSet = Enumerable.Range(0, Total).Where(n => confirmed[n]).ToList();
        Dictionary<int, int> counts;
        var settle = Stopwatch.StartNew();
        while (true)
        {
            counts = run.ReadOut().WorkCounts();
            if (confirmedSet.All(counts.ContainsKey) || settle.Elapsed > TimeSpan.FromMinutes(2))
            {
                break;
            }

            await Task.Delay(100);
        }

        var lost = confirmedSet.Count(n => !counts.ContainsKey(n));
        var duplicates = counts.Values.Sum(c => c - 1);
        var failedButCompleted = failed.Keys.Count(counts.ContainsKey);
        var failureKinds = failed.Values.GroupBy(ex => ex.GetType().Name).Select(g => $"{g.Key} x{g.Count()}");
        var consumers = (await BrokerControl.CountAsync(run.Queue)).Consumers;
        run.Log($"[restart] RESULT sent={Total} confirmed={confirmedSet.Count} failed={failed.Count} completed_distinct={counts.Count} " +
            $"(patient {confirmedSet.Count(n => n % 2 == 0)}/{Total / 2}, impatient {confirmedSet.Count(n => n % 2 == 1)}/{Total / 2}) " +
            $"lost={lost} duplicates={duplicates} failed_but_completed={failedButCompleted} " +
            $"outage={restarted.Outage.TotalSeconds:F1}s completed_before_stop={restarted.CompletedBefore} completed_at_broker_back={restarted.CompletedAtBack} " +
            $"resume_after_broker_back={(restarted.Resumed is { } r ? $"{r.TotalSeconds:F1}s" : "never")} consumers_at_end={consumers} " +
            $"status_not_consuming={worker.NotConsumingFor.TotalSeconds:F1}s " +
            $"publish_elapsed={publishing.TotalSeconds:F1}s settle={settle.Elapsed.TotalSeconds:F1}s worker_alive={!worker.HasExited} worker_processes={run.WorkersStarted}");
        if (duplicates > 0)
        {
            // Which sends ran twice: even n came from the patient publisher (retries through the outage), odd from the impatient one.
            run.Log("[restart] duplicated: " + string.Join(", ", counts.Where(c => c.Value > 1).OrderBy(c => c.Key).Take(40).Select(c => $"{c.Key}x{c.Value}")));
        }

        if (!failed.IsEmpty)
        {
            run.Log("[restart] failures: " + string.Join("; ", failureKinds) + "; first: " + failed.Values.First().Message);
        }

        if (lost > 0)
        {
            run.Log($"[restart] lost (confirmed, never completed): {string.Join(", ", confirmedSet.Where(n => !counts.ContainsKey(n)).Take(50))}; " +
                $"worker alive: {!worker.HasExited}; see {run.Directory}/worker.log");
        }

        worker.HasExited.ShouldBeFalse("the worker process must survive the broker restart");
        lost.ShouldBe(0, "every confirmed task must complete: the worker has to resume consuming by itself after the restart");
        failed.Values.ShouldAllBe(ex => ex is TaskPublishException, "a failed publish must surface as TaskPublishException");
        failed.Keys.ShouldAllBe(n => n % 2 == 1, "the patient publisher (PublishRetryTimeout 30 s) outlasts the outage");
        failed.Count.ShouldBeGreaterThan(0, "the impatient publisher (PublishRetryTimeout 3 s) must report the outage");
        confirmedSet.Count.ShouldBeGreaterThan(RestartAfterConfirmed);
        restarted.Resumed.ShouldNotBeNull("the worker must resume consuming by itself after the broker restart");
        consumers.ShouldBe(1u, "one consumer after recovery: the worker neither lost it nor doubled it");
        run.Passed();
    }
}
