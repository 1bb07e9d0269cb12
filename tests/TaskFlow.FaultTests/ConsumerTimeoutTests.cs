using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.FaultWorker;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>
/// Scenario 5: a plain (not lease-mode) task outlives the broker's consumer_timeout. RabbitMQ closes the worker's
/// channel (406 PRECONDITION_FAILED, "delivery acknowledgement timed out") and requeues the message. The worker must
/// not stall: a new consumer on a new channel runs within a second while the late task still runs, so tasks sent
/// meanwhile keep flowing; the requeued copy of the running task is not run beside it, and once the task is done its
/// copy is skipped (its ack was lost, the worker remembers it), so the task runs once, not once per timeout.
/// </summary>
[Collection(BrokerFaults.Name)]
public sealed class ConsumerTimeoutTests(ITestOutputHelper output)
{
    private const int LongTaskMs = 12_000;

    [Fact]
    public async Task Scenario5_a_channel_closed_by_consumer_timeout_never_stalls_the_queue_and_the_late_task_runs_once()
    {
        await using var run = await FaultRun.StartAsync("ctimeout", output);
        var client = await run.StartPublisherAsync();
        // Broker-wide and at run time: a 3 s ack timeout, checked every second on channels opened from now on.
        await BrokerSettings.SetAsync("consumer_timeout", 3000);
        await BrokerSettings.SetAsync("channel_tick_interval", 1000);
        try
        {
            var (worker, watch) = await StartLongTaskAsync(run, client);

            // Quick tasks all through the long one (and past it): each stamped with when it was sent.
            var sent = 0;
            while (watch.Elapsed < TimeSpan.FromMilliseconds(LongTaskMs + 3000))
            {
                await client.Stamp.DelayAsync(100 + sent, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                sent++;
                await Task.Delay(200);
            }

            var log = Path.Combine(run.Directory, "worker.log");
            try
            {
                await Until(() => run.ReadOut().Stamps().Count >= sent && run.ReadOut().Lines.Contains("long 1 first-run-end"), TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                // What is missing, for the diagnosis (a stall, or quick tasks that never ran).
                var ran = run.ReadOut().Stamps().Select(s => s.N).ToHashSet();
                var missing = Enumerable.Range(100, sent).Where(n => !ran.Contains(n)).ToList();
                run.Log($"[ctimeout] TIMEOUT quick_tasks_sent={sent} ran={ran.Count} missing={string.Join(",", missing)} long_ended={run.ReadOut().Lines.Contains("long 1 first-run-end")}");
                throw;
            }
            // The requeued copy comes back (deferred while the run lasted) and is skipped.
            await Until(() => File.ReadAllText(log).Contains("its ack was lost", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

            var lines = run.ReadOut().Lines;
            var stamps = run.ReadOut().Stamps();
            var lateness = stamps.Select(s => s.Actual - s.Due).OrderBy(ms => ms).ToList();
            var text = File.ReadAllText(log);
            var closed = text.Contains("closed the consumer channel", StringComparison.Ordinal);
            var deferred = text.Contains("its redelivered copy is sent round", StringComparison.Ordinal);
            // RabbitMQ.Client may drop the whole connection right after the channel close (see scenario 5b): the queue then
            // waits for the recovery (RecoveryInterval, 1 s) as well; CI once saw 3.1 s here when a fixed back-off
            // followed a failed restart instead.
            var connectionLost = text.Contains("RabbitMQ connection lost", StringComparison.Ordinal);
            var (left, _) = await BrokerControl.CountAsync(run.Queue);
            var notConsuming = worker.NotConsumingFor;
            run.Log($"[ctimeout] RESULT quick_tasks_sent={sent} completed={stamps.Count} lateness_p50_ms={lateness[lateness.Count / 2]} lateness_max_ms={lateness[^1]} " +
                    $"long_task_runs={lines.Count(l => l == "long 1 first-run-start")} long_task_second_runs={lines.Count(l => l == "1")} channel_closed_logged={closed} " +
                    $"copy_deferred_logged={deferred} connection_lost_logged={connectionLost} health_not_consuming_ms={notConsuming.TotalMilliseconds:F0} queue_left={left} elapsed={watch.Elapsed.TotalSeconds:F1}s");

            closed.ShouldBeTrue("the broker closed the channel for the consumer timeout (event 3007)");
            stamps.Select(s => s.N).Distinct().Count().ShouldBe(sent, "every quick task ran");
            lateness[^1].ShouldBeLessThan(2000, "no quick task waited 2 s or more: the queue did not stall behind the long task");
            lines.Count(l => l == "long 1 first-run-start").ShouldBe(1, "the long task ran once");
            lines.Count(l => l == "long 1 first-run-end").ShouldBe(1);
            lines.ShouldNotContain("1", "its requeued copy was not run again");
            notConsuming.ShouldBeLessThan(TimeSpan.FromSeconds(2), "the health signal said 'not consuming' only while the consumer was re-created");
            worker.HasExited.ShouldBeFalse();
            run.Passed();
        }
        finally
        {
            await BrokerSettings.RestoreAsync();
        }
    }

    /// <summary>
    /// Scenario 5b: the connection drops right after the broker closed the consumer's channel for the consumer_timeout,
    /// while the long task still runs. (RabbitMQ.Client can drop the whole connection there by itself: a frame for the
    /// just-closed channel makes it close the connection, code 541; CI saw it once.) Here the broker closes the
    /// connection, deterministically. Automatic recovery must not bring back the retired consumer: one that handed every
    /// message back would spin them until the delivery limit dead-letters them. Every quick task runs, nothing is
    /// dead-lettered, the long task runs once and the health signal ends "consuming".
    /// </summary>
    [Fact]
    public async Task Scenario5b_a_connection_drop_after_the_consumer_timeout_does_not_recover_the_retired_consumer()
    {
        await using var run = await FaultRun.StartAsync("ctimeout-drop", output);
        var client = await run.StartPublisherAsync();
        await BrokerSettings.SetAsync("consumer_timeout", 3000);
        await BrokerSettings.SetAsync("channel_tick_interval", 1000);
        try
        {
            var (worker, watch) = await StartLongTaskAsync(run, client);

            var log = Path.Combine(run.Directory, "worker.log");
            var sent = 0;
            var dropped = false;
            while (watch.Elapsed < TimeSpan.FromMilliseconds(LongTaskMs + 3000))
            {
                if (!dropped && File.ReadAllText(log).Contains("closed the consumer channel", StringComparison.Ordinal))
                {
                    var closed = await CloseConnectionAsync($"taskflow-fault-worker:{worker.Pid}:consumer");
                    // RabbitMQ.Client may have dropped the connection by itself already (the 541 defect this scenario
                    // stands in for; CI met it here, tens of milliseconds after the channel close, before the listing):
                    // then there is nothing to close, and the case under test is the same.
                    var droppedByClient = closed == 0 && File.ReadAllText(log).Contains("RabbitMQ connection lost", StringComparison.Ordinal);
                    run.Log($"[ctimeout-drop] closed {closed} consumer connection(s) of the worker at {watch.Elapsed.TotalSeconds:F1}s{(droppedByClient ? " (RabbitMQ.Client had dropped it by itself: connection lost in the worker's log)" : "")}");
                    (closed == 1 || droppedByClient).ShouldBeTrue($"the worker's consumer connection was closed by the broker, or dropped by the client itself (closed {closed})");
                    dropped = true;
                }

                await client.Stamp.DelayAsync(100 + sent, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                sent++;
                await Task.Delay(200);
            }

            dropped.ShouldBeTrue("the broker closed the consumer channel for the consumer timeout while the long task ran");
            try
            {
                await Until(() => run.ReadOut().Stamps().Select(s => s.N).Distinct().Count() >= sent && run.ReadOut().Lines.Contains("long 1 first-run-end"), TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                var ran = run.ReadOut().Stamps().Select(s => s.N).ToHashSet();
                var (dead, _) = await BrokerControl.CountAsync(run.DeadLetterQueue);
                run.Log($"[ctimeout-drop] TIMEOUT quick_tasks_sent={sent} ran={ran.Count} missing={string.Join(",", Enumerable.Range(100, sent).Where(n => !ran.Contains(n)))} dead_lettered={dead}");
                throw;
            }

            // Consuming again at the end, whatever the order of recovery and replacement was.
            await Until(() => worker.StatusChanges.Count > 0 && worker.StatusChanges[^1].Consuming, TimeSpan.FromSeconds(30));
            await Task.Delay(3000); // a late retirement or recovery would show here
            var (deadLettered, _) = await BrokerControl.CountAsync(run.DeadLetterQueue);
            var stamps = run.ReadOut().Stamps();
            var lines = run.ReadOut().Lines;
            run.Log($"[ctimeout-drop] RESULT quick_tasks_sent={sent} ran_distinct={stamps.Select(s => s.N).Distinct().Count()} ran_total={stamps.Count} dead_lettered={deadLettered} " +
                    $"long_task_runs={lines.Count(l => l == "long 1 first-run-start")} retired_recovered_logged={File.ReadAllText(log).Contains("re-opened the channel of a retired consumer", StringComparison.Ordinal)} " +
                    $"last_status_consuming={worker.StatusChanges[^1].Consuming} elapsed={watch.Elapsed.TotalSeconds:F1}s");

            deadLettered.ShouldBe(0u, "no quick task was dead-lettered by a retired consumer handing it back in a loop");
            stamps.Select(s => s.N).Distinct().Count().ShouldBe(sent, "every quick task ran");
            lines.Count(l => l == "long 1 first-run-start").ShouldBe(1, "the long task ran once");
            worker.StatusChanges[^1].Consuming.ShouldBeTrue("the health signal ends 'consuming'");
            worker.HasExited.ShouldBeFalse();
            run.Passed();
        }
        finally
        {
            await BrokerSettings.RestoreAsync();
        }
    }

    /// <summary>Starts one worker (concurrency 2, prefetch 2) and sends the long task; returns once it runs, with a stopwatch started at its send.</summary>
    private static async Task<(WorkerProcess Worker, Stopwatch Watch)> StartLongTaskAsync(FaultRun run, FaultTasks.Client client)
    {
        var worker = run.StartWorker(concurrency: 2, prefetch: 2, verbose: true);
        await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var watch = Stopwatch.StartNew();
        await client.Lengthy.DelayAsync(1, LongTaskMs);
        await Until(() => run.ReadOut().Lines.Contains("long 1 first-run-start"), TimeSpan.FromSeconds(30));
        return (worker, watch);
    }

    /// <summary>Closes, from the broker's side, every connection whose client-provided name is <paramref name="name"/>; returns how many.</summary>
    private static async Task<int> CloseConnectionAsync(string name)
    {
        var list = await BrokerControl.RabbitCtlAsync("-q", "list_connections", "--no-table-headers", "pid", "client_properties");
        var closed = 0;
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Contains(name, StringComparison.Ordinal))
            {
                var pid = line.Split('\t')[0].Trim();
                await BrokerControl.RabbitCtlAsync("close_connection", pid, "fault test: the connection drops after a consumer timeout");
                closed++;
            }
        }

        return closed;
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>The broker's consumer_timeout and channel tick, set at run time for a scenario and restored after it.</summary>
internal static class BrokerSettings
{
    public static Task<string> SetAsync(string key, int value) =>
        BrokerControl.RabbitCtlAsync("eval", $"application:set_env(rabbit, {key}, {value}).");

    /// <summary>Back to what scripts/rabbitmq.sh configures: consumer_timeout 1 h, the default 60 s tick.</summary>
    public static async Task RestoreAsync()
    {
        await SetAsync("consumer_timeout", 3_600_000);
        await SetAsync("channel_tick_interval", 60_000);
    }
}
