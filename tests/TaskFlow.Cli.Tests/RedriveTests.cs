using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskFlow.Protocol;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.Cli.Tests;

/// <summary>
/// <c>taskflow dead redrive</c> with the state store on: real dead letters (a task that fails while a switch is set, retries
/// off) moved back by the CLI process run once more each: none lost, none run twice, also when the CLI is killed mid-way.
/// </summary>
public sealed class RedriveTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
    private readonly ITestOutputHelper _output;

    public RedriveTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task Redrive_of_10000_dead_letters_runs_each_exactly_once_more()
    {
        const int count = 10_000;
        await using var host = await CliHost.StartAsync();
        var making = Stopwatch.StartNew();
        var ids = await MakeDeadLettersAsync(host, count);

        // The runs again take about as long as the first runs did: on a loaded machine far more than the usual 10 s.
        var runAgain = TimeSpan.FromTicks(Math.Max(Long.Ticks, 3 * making.Elapsed.Ticks));
        var cli = new Cli(host.Schema);
        var watch = Stopwatch.StartNew();
        var result = await cli.RunAsync("dead", "redrive", host.Queue, "--json");
        var redriveTime = watch.Elapsed;
        result.EnsureSuccess();
        var summary = System.Text.Json.JsonDocument.Parse(result.StandardOutput).RootElement[0];
        summary.GetProperty("done").GetInt64().ShouldBe(count);
        summary.GetProperty("failed").GetInt64().ShouldBe(0);

        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(ids.All(id => CliTasks.Runs[id] >= 2)), runAgain, $"every re-driven task ran again (within {runAgain.TotalSeconds:0} s)");
        }
        catch (TimeoutException)
        {
            var notRun = ids.Where(id => CliTasks.Runs[id] < 2).ToList();
            _output.WriteLine($"{notRun.Count} not run again; {await CliHost.CountAsync(host.Queue)} ready in the queue, {await CliHost.CountAsync(host.Queue + ".dead")} dead");
            foreach (var id in notRun.Take(5))
            {
                _output.WriteLine($"  {id}: {await host.Store.GetAsync(id)}");
            }

            // What the worker said about them (the failing runs of the first pass log a warning each: those are skipped).
            foreach (var line in host.Warnings.Lines.Where(l => !l.Contains("failing on purpose", StringComparison.Ordinal)).Take(40))
            {
                _output.WriteLine("  log: " + line);
            }

            throw;
        }

        var allRan = watch.Elapsed;
        await Task.Delay(2000); // time for a duplicate, if there were one, to run
        var twice = ids.Count(id => CliTasks.Runs[id] > 2);
        var lost = ids.Count(id => CliTasks.Runs[id] < 2);
        _output.WriteLine($"re-drive of {count:N0} dead letters (CLI process, state store on): CLI {redriveTime.TotalSeconds:0.0} s ({count / redriveTime.TotalSeconds:N0}/s incl. process start), all run again after {allRan.TotalSeconds:0.0} s; lost {lost}, run twice {twice}");
        _output.WriteLine("CLI output: " + result.StandardOutput);
        twice.ShouldBe(0);
        lost.ShouldBe(0);
        (await CliHost.CountAsync(host.Queue + ".dead")).ShouldBe(0u);
        foreach (var id in ids.Take(50))
        {
            var info = (await host.Store.GetAsync(id)).ShouldNotBeNull();
            info.State.ShouldBe(TaskState.Succeeded);
            info.Attempts.ShouldBe(2);
        }
    }

    [Fact]
    public async Task Redrive_killed_mid_way_and_run_again_loses_none_and_runs_none_twice()
    {
        const int count = 2_000;
        await using var host = await CliHost.StartAsync();
        var ids = await MakeDeadLettersAsync(host, count);
        var cli = new Cli(host.Schema);

        // --rate 500: about 4 s for 2,000; killed with SIGKILL once it has re-driven a few hundred.
        await using (var first = ChildProcess.Start(cli.StartInfo(["dead", "redrive", host.Queue, "--rate", "500"]), "taskflow dead redrive (to be killed)"))
        {
            await first.WaitForLineAsync(line => line.Contains(" done,", StringComparison.Ordinal) && !line.Contains(" 0 done,", StringComparison.Ordinal), "a progress line with some re-driven", TimeSpan.FromSeconds(60));
            first.Kill();
            _output.WriteLine("killed after: " + string.Join(" | ", first.Lines));
            first.Lines.ShouldNotContain(line => line.StartsWith("re-drove", StringComparison.Ordinal), "the first re-drive was killed before it finished");
        }

        // The killed re-drive held every dead letter it had not moved yet unacknowledged (its prefetch is the queue's
        // count): they are ready again once the broker has noticed the dead connection and dropped its consumer. Read
        // before that, the queue looks empty (a rehearsal of .ci/run: 0 left after 748 of 2,000 moved).
        await Eventually.UntilAsync(async () => (await CliHost.StatsAsync(host.Queue + ".dead")).Consumers == 0, TimeSpan.FromSeconds(30), "the killed re-drive's consumer gone");
        var ranBefore = ids.Count(id => CliTasks.Runs[id] >= 2);
        var left = await CliHost.CountAsync(host.Queue + ".dead");
        _output.WriteLine($"after the kill: {ranBefore} ran again so far, {left} still in the dead-letter queue");
        left.ShouldBeGreaterThan(0u, "the kill came before the end");
        left.ShouldBeLessThan((uint)count, "the kill came after the start");

        var second = await cli.RunAsync("dead", "redrive", host.Queue, "--json");
        second.EnsureSuccess();
        _output.WriteLine("second re-drive: " + second.StandardOutput);

        await Eventually.UntilAsync(() => Task.FromResult(ids.All(id => CliTasks.Runs[id] >= 2)), Long, "every re-driven task ran again");
        await Task.Delay(2000);
        var twice = ids.Count(id => CliTasks.Runs[id] > 2);
        var lost = ids.Count(id => CliTasks.Runs[id] < 2);
        _output.WriteLine($"interrupted re-drive of {count:N0}: lost {lost}, run twice {twice}");
        twice.ShouldBe(0);
        lost.ShouldBe(0);
        (await CliHost.CountAsync(host.Queue + ".dead")).ShouldBe(0u);
    }

    [Fact]
    public async Task Redrive_stamps_the_send_time_anew_and_keeps_the_first_one()
    {
        await using var host = await CliHost.StartAsync(concurrency: 1);
        var idle = "tf-cli-idle-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // A real dead letter: sent (first stamp), failed, dead-lettered (stamped again, the first one kept).
            var ids = await MakeDeadLettersAsync(host, 1);
            await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            var letter = (await channel.BasicGetAsync(host.Queue + ".dead", autoAck: true)).ShouldNotBeNull();
            var headers = new Dictionary<string, object?>(letter.BasicProperties.Headers!, StringComparer.Ordinal);
            Encoding.UTF8.GetString((byte[])headers["id"]!).ShouldBe(ids[0]);
            var firstSentAt = (long)headers[MessageHeaders.FirstSentAt]!;
            ((long)headers[MessageHeaders.SentAt]!).ShouldBeGreaterThanOrEqualTo(firstSentAt);

            // Into the dead-letter queue of an idle queue (nobody consumes it, so the re-driven copies can be read), as if it
            // had been dead-lettered an hour ago; a second one without a first stamp, as from an older TaskFlow.
            await host.Tasks.Flaky.ApplyAsync("declares the idle queue", host.Options(idle));
            var hourAgo = DateTimeOffset.UtcNow.AddHours(-1);
            async Task DeadLetterAsync(string id, bool keepFirst)
            {
                var copy = new Dictionary<string, object?>(headers, StringComparer.Ordinal)
                {
                    ["id"] = id,
                    [MessageHeaders.OriginalQueue] = idle,
                    [MessageHeaders.SentAt] = hourAgo.ToUnixTimeMilliseconds(),
                };
                if (!keepFirst)
                {
                    copy.Remove(MessageHeaders.FirstSentAt);
                }

                var properties = new BasicProperties(letter.BasicProperties) { Headers = copy, Timestamp = new AmqpTimestamp(hourAgo.ToUnixTimeSeconds()) };
                await channel.BasicPublishAsync(string.Empty, idle + ".dead", mandatory: true, properties, letter.Body);
            }

            var old = "old-" + Guid.NewGuid().ToString("N")[..8];
            await DeadLetterAsync(ids[0], keepFirst: true);
            await DeadLetterAsync(old, keepFirst: false);

            var before = DateTimeOffset.UtcNow.AddSeconds(-1);
            var redriven = await new Cli(host.Schema).JsonAsync("dead", "redrive", idle);
            var after = DateTimeOffset.UtcNow.AddSeconds(1);
            redriven[0].GetProperty("done").GetInt64().ShouldBe(2);

            var copies = new Dictionary<string, BasicGetResult>(StringComparer.Ordinal);
            while (await channel.BasicGetAsync(idle, autoAck: true) is { } got)
            {
                copies[Encoding.UTF8.GetString((byte[])got.BasicProperties.Headers!["id"]!)] = got;
            }

            foreach (var id in new[] { ids[0], old })
            {
                var copy = copies[id].BasicProperties;
                var sentAt = DateTimeOffset.FromUnixTimeMilliseconds((long)copy.Headers![MessageHeaders.SentAt]!);
                sentAt.ShouldBeInRange(before, after, "x-taskflow-sent-at is the re-drive's");
                DateTimeOffset.FromUnixTimeSeconds(copy.Timestamp.UnixTime).ShouldBeInRange(before.AddSeconds(-1), after, "the AMQP timestamp is the re-drive's");
            }

            ((long)copies[ids[0]].BasicProperties.Headers![MessageHeaders.FirstSentAt]!).ShouldBe(firstSentAt, "the first send is kept");
            ((long)copies[old].BasicProperties.Headers![MessageHeaders.FirstSentAt]!).ShouldBe(hourAgo.ToUnixTimeMilliseconds(), "without a first stamp, the dead letter's own becomes it");
        }
        finally
        {
            await CliHost.DeleteQueuesAsync(idle);
        }
    }

    /// <summary>Sends <paramref name="count"/> tasks that fail (retries off) and waits until all are in the dead-letter queue.</summary>
    private async Task<string[]> MakeDeadLettersAsync(CliHost host, int count)
    {
        CliTasks.Failing = true;
        var watch = Stopwatch.StartNew();
        var ids = new string[count];
        try
        {
            for (var start = 0; start < count; start += 500)
            {
                var batch = Enumerable.Range(start, Math.Min(500, count - start))
                    .Select(async i => ids[i] = (await host.Tasks.Flaky.ApplyAsync("k" + i, host.Options())).Id);
                await Task.WhenAll(batch);
            }

            await Eventually.UntilAsync(async () => await CliHost.CountAsync(host.Queue + ".dead") >= count, Long, $"{count} dead letters");
        }
        finally
        {
            CliTasks.Failing = false;
        }

        _output.WriteLine($"{count:N0} dead letters made in {watch.Elapsed.TotalSeconds:0.0} s");
        ids.ShouldAllBe(id => CliTasks.Runs[id] == 1);
        return ids;
    }
}
