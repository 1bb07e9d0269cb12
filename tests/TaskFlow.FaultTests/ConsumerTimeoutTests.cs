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
/// Scenario 5: a task outlives the broker's consumer_timeout. RabbitMQ closes the worker's channel
/// (406 PRECONDITION_FAILED, "delivery acknowledgement timed out") and requeues the message; connection
/// recovery does not repair a channel-level close, so the worker must notice, re-create its consumer and run
/// the task again instead of staying connected but idle.
/// </summary>
[Collection(BrokerFaults.Name)]
public sealed class ConsumerTimeoutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario5_a_channel_closed_by_consumer_timeout_is_reopened_and_the_task_redelivered()
    {
        await using var run = await FaultRun.StartAsync("ctimeout", output);
        var client = await run.StartPublisherAsync();
        // Broker-wide and at run time: a 3 s ack timeout, checked every second on channels opened from now on.
        await SetBrokerEnvAsync("consumer_timeout", 3000);
        await SetBrokerEnvAsync("channel_tick_interval", 1000);
        try
        {
            var worker = run.StartWorker(concurrency: 2, prefetch: 2, verbose: true);
            await worker.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            var watch = Stopwatch.StartNew();
            await client.Lengthy.DelayAsync(1, 10_000);
            await client.Work.DelayAsync(2);

            var done = false;
            while (watch.Elapsed < TimeSpan.FromSeconds(150) && !done)
            {
                done = run.ReadOut().Lines.Contains("1");
                await Task.Delay(200);
            }

            var log = File.ReadAllText(Path.Combine(run.Directory, "worker.log"));
            var lines = run.ReadOut().Lines;
            var (left, _) = await BrokerControl.CountAsync(run.Queue);
            var closed = log.Contains("closed the consumer channel", StringComparison.Ordinal);
            var recreated = log.Contains("Re-creating the consumer", StringComparison.Ordinal);
            run.Log($"[ctimeout] RESULT completed={done} elapsed={watch.Elapsed.TotalSeconds:F1}s channel_closed_logged={closed} consumer_recreated={recreated} first_run_started={lines.Count(l => l == "long 1 first-run-start")} queue_left={left} worker_alive={!worker.HasExited}");

            done.ShouldBeTrue("the task was redelivered and completed after the broker closed the channel");
            closed.ShouldBeTrue("the worker logged the broker's channel close (event 3007)");
            recreated.ShouldBeTrue("the worker re-created its consumer (event 3009)");
            lines.ShouldContain("2");
            worker.HasExited.ShouldBeFalse();
            run.Passed();
        }
        finally
        {
            await SetBrokerEnvAsync("consumer_timeout", 3_600_000);
            await SetBrokerEnvAsync("channel_tick_interval", 60_000);
        }
    }

    private static Task<string> SetBrokerEnvAsync(string key, int value) =>
        BrokerControl.RunAsync("rabbitmqctl", new[] { "-n", BrokerControl.Node, "eval", $"application:set_env(rabbit, {key}, {value})." }, TimeSpan.FromSeconds(30));
}
