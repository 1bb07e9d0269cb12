using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Cli.Tests;

/// <summary>
/// <c>taskflow probe</c> as a child process: a probe of a queue a real worker consumes is answered (latency, worker), a
/// probe of a queue nobody consumes times out with exit code 1, the queue named and its consumer count shown.
/// </summary>
public sealed class ProbeTests
{
    [Fact]
    public async Task Probe_reports_latency_and_worker_of_a_consumed_queue_and_fails_on_a_queue_without_consumer()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        var idle = "tf-cli-idle-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // The idle queue exists (declared by a send) and nobody consumes it.
            await host.Tasks.Flaky.ApplyAsync("nobody takes this", host.Options(idle));

            // A consumed queue: answered (the default timeout, 30 s, is only the upper bound), exit code 0, a table.
            var answered = await cli.RunAsync("probe", host.Queue);
            answered.EnsureSuccess();
            answered.StandardOutput.ShouldContain(host.Queue);
            answered.StandardOutput.ShouldContain(host.WorkerName);
            answered.StandardOutput.ShouldContain("1 of 1 queue(s) answered");

            // Both queues, as JSON: the idle one did not answer, and says why.
            var both = await cli.RunAsync("probe", host.Queue, idle, "--timeout", "15s", "--json");
            both.ExitCode.ShouldBe(1, both.Output);
            var results = JsonDocument.Parse(both.StandardOutput).RootElement;
            results.GetArrayLength().ShouldBe(2);
            var live = results.EnumerateArray().Single(r => r.GetProperty("queue").GetString() == host.Queue);
            live.GetProperty("answered").GetBoolean().ShouldBeTrue();
            live.GetProperty("state").GetString().ShouldBe("succeeded");
            live.GetProperty("worker").GetString().ShouldBe(host.WorkerName);
            live.GetProperty("latencyMs").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
            live.GetProperty("consumers").GetInt64().ShouldBeGreaterThanOrEqualTo(0); // the management API's figure, which lags
            var silent = results.EnumerateArray().Single(r => r.GetProperty("queue").GetString() == idle);
            silent.GetProperty("answered").GetBoolean().ShouldBeFalse();
            silent.GetProperty("consumers").GetInt64().ShouldBe(0);
            silent.GetProperty("latencyMs").ValueKind.ShouldBe(JsonValueKind.Null);
            both.StandardError.ShouldContain($"queue '{idle}': no answer within 15s");
            both.StandardError.ShouldContain("0 consumers: the likely cause is that no worker consumes it");
            both.StandardError.ShouldNotContain($"queue '{host.Queue}'");

            // The answer came from the state store: the probe's record names the worker and keeps the latency as its result.
            var record = (await host.Store.GetAsync(live.GetProperty("taskId").GetString()!)).ShouldNotBeNull();
            record.TaskName.ShouldBe(TaskFlowProbe.TaskName);
            record.Worker.ShouldBe(host.WorkerName);
            TaskFlowProbe.LatencyOf(record).ShouldNotBeNull();

            // The unanswered probe waits in the idle queue behind the task (and expires there: nothing runs it late).
            (await CliHost.CountAsync(idle)).ShouldBe(2u);
        }
        finally
        {
            await CliHost.DeleteQueuesAsync(idle);
        }
    }

    [Fact]
    public async Task Probe_without_a_state_store_or_with_a_bad_timeout_says_what_to_change()
    {
        var noStore = new Cli();
        noStore.Environment.Remove("ConnectionStrings__TaskFlow");
        var result = await noStore.RunAsync("probe", "some-queue");
        result.ExitCode.ShouldBe(2);
        result.StandardError.ShouldContain("probe reads each answer from the state store");
        result.StandardError.ShouldContain("pass --state");

        var badTimeout = await new Cli().RunAsync("probe", "some-queue", "--timeout", "soon");
        badTimeout.ExitCode.ShouldBe(2);
        badTimeout.StandardError.ShouldContain("--timeout: 'soon' is not a positive duration");

        var missing = await new Cli("tf_cli_none").RunAsync("probe", "no-such-queue-" + Guid.NewGuid().ToString("N")[..6]);
        missing.ExitCode.ShouldBe(1);
        missing.StandardError.ShouldContain("does not exist on the broker");
    }
}
