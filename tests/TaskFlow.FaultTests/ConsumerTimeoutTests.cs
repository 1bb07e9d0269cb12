using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
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
            var worker = run.StartWorker(concurrency: 2, prefetch: 2, verbose: true);
            await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            var watch = Stopwatch.StartNew();
            await client.Lengthy.DelayAsync(1, LongTaskMs);
            await Until(() => run.ReadOut().Lines.Contains("long 1 first-run-start"), TimeSpan.FromSeconds(30));

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
            var (left, _) = await BrokerControl.CountAsync(run.Queue);
            var notConsuming = worker.NotConsumingFor;
            run.Log($"[ctimeout] RESULT quick_tasks_sent={sent} completed={stamps.Count} lateness_p50_ms={lateness[lateness.Count / 2]} lateness_max_ms={lateness[^1]} " +
                    $"long_task_runs={lines.Count(l => l == "long 1 first-run-start")} long_task_second_runs={lines.Count(l => l == "1")} channel_closed_logged={closed} " +
                    $"copy_deferred_logged={deferred} health_not_consuming_ms={notConsuming.TotalMilliseconds:F0} queue_left={left} elapsed={watch.Elapsed.TotalSeconds:F1}s");

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
        BrokerControl.RunAsync("rabbitmqctl", new[] { "-n", BrokerControl.Node, "eval", $"application:set_env(rabbit, {key}, {value})." }, TimeSpan.FromSeconds(30));

    /// <summary>Back to what scripts/rabbitmq.sh configures: consumer_timeout 1 h, the default 60 s tick.</summary>
    public static async Task RestoreAsync()
    {
        await SetAsync("consumer_timeout", 3_600_000);
        await SetAsync("channel_tick_interval", 60_000);
    }
}
