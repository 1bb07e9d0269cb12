using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using RabbitMQ.Client;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>
/// Scenario 3: poison messages of each kind mixed into a stream of good tasks, plus one task that kills the
/// worker process every time it is delivered. The worker process is restarted whenever it dies.
/// </summary>
[Collection(BrokerFaults.Name)]
public sealed class PoisonMessageTests(ITestOutputHelper output)
{
    private const int Good = 300;
    private const int DeliveryLimit = 3;
    private const int CrashAfter = 150;

    private const string ValidBody = """[[7], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]""";

    [Fact]
    public async Task Scenario3_poison_messages_are_dead_lettered_with_their_reason_and_good_ones_complete()
    {
        await using var run = await FaultRun.StartAsync("poison", output, deliveryLimit: DeliveryLimit);
        var client = await run.StartPublisherAsync();
        await using var connection = await BrokerControl.ConnectAsync("taskflow-fault-tests:poison");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        var poisons = Poisons();
        var poisonAfter = poisons.Select((poison, i) => (poison, at: 10 + (i * (Good - 20) / poisons.Count))).ToDictionary(p => p.at, p => p.poison);
        for (var n = 0; n < Good; n++)
        {
            await client.Work.DelayAsync(n); // the first send declares the queue (x-delivery-limit 3) and its dead-letter queue
            if (poisonAfter.TryGetValue(n, out var poison))
            {
                await channel.BasicPublishAsync(run.Exchange, run.Queue, mandatory: true, poison.Properties(), Encoding.UTF8.GetBytes(poison.Body));
            }

            if (n == CrashAfter)
            {
                await client.Crash.DelayAsync(7);
            }
        }

        run.Log($"[poison] queued {Good} good fault.work tasks, {poisons.Count} poison messages ({string.Join(", ", poisons.Select(p => p.Kind))}) and 1 fault.crash; x-delivery-limit={DeliveryLimit}");

        // One task at a time and prefetch 1: when fault.crash kills the process, it is the only unacked message,
        // so only its delivery count grows (see docs/reliability.md on prefetch and delivery limits).
        var watch = Stopwatch.StartNew();
        var worker = run.StartWorker(concurrency: 1, prefetch: 1, verbose: true);
        var deaths = new List<int>();
        var expectedDead = poisons.Count + 1;
        var goodDone = 0;
        uint dead = 0;
        while (watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (worker.HasExited)
            {
                deaths.Add(worker.ExitCode);
                run.Log($"[poison] worker pid {worker.Pid} died (exit code {worker.ExitCode}) at {watch.Elapsed.TotalSeconds:F1} s; restarting it");
                worker = run.StartWorker(concurrency: 1, prefetch: 1, verbose: true);
            }

            goodDone = run.ReadOut().WorkCounts().Keys.Count(n => n is >= 0 and < Good);
            dead = (await BrokerControl.CountAsync(run.DeadLetterQueue)).Messages;
            if (goodDone == Good && dead >= expectedDead)
            {
                break;
            }

            await Task.Delay(100);
        }

        var elapsed = watch.Elapsed;
        await Task.Delay(500); // the last ack
        var left = (await BrokerControl.CountAsync(run.Queue)).Messages;
        var outFile = run.ReadOut();
        var counts = outFile.WorkCounts();
        var lost = Enumerable.Range(0, Good).Count(n => !counts.ContainsKey(n));

        // Read the dead-letter queue and match each message to what was sent.
        var deadLetters = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(run.DeadLetterQueue, autoAck: true) is { } message)
        {
            deadLetters.Add(message);
        }

        var found = 0;
        foreach (var poison in poisons)
        {
            var match = deadLetters.FirstOrDefault(m => m.BasicProperties.MessageId == poison.MessageId);
            var reason = match is null ? "(not dead-lettered)" : Header(match, "x-taskflow-reason");
            var bodyKept = match is not null && Encoding.UTF8.GetString(match.Body.Span) == poison.Body;
            run.Log($"[poison]   {poison.Kind,-22} -> {run.DeadLetterQueue}: x-taskflow-reason={reason} (expected {poison.Reason}); body kept: {bodyKept}; " +
                $"detail: {(match is null ? "-" : Header(match, "x-taskflow-exception-message"))}");
            if (match is not null && reason == poison.Reason && bodyKept)
            {
                found++;
            }
        }

        var crash = deadLetters.FirstOrDefault(m => Header(m, "task") == "fault.crash");
        var crashDeath = crash is null ? null : XDeath(crash);
        if (crash is not null)
        {
            run.Log("[poison]   fault.crash            -> dead-lettered by the broker; headers: " +
                string.Join("; ", crash.BasicProperties.Headers!.Where(h => h.Key.StartsWith("x-", StringComparison.Ordinal)).Select(h => $"{h.Key}={Describe(h.Value)}")));
        }

        run.Log($"[poison] RESULT good={Good} good_completed={counts.Keys.Count(n => n is >= 0 and < Good)} lost={lost} duplicates={counts.Values.Sum(c => c - 1)} " +
            $"poison_sent={poisons.Count} poison_dead_lettered_with_reason={found} dead_letter_queue={deadLetters.Count} " +
            $"crash_deliveries={outFile.CrashLines} worker_deaths={deaths.Count} (exit codes {string.Join(",", deaths.Distinct())}) " +
            $"crash_x_death_reason={crashDeath?.Reason ?? "-"} crash_x_death_count={crashDeath?.Count ?? 0} queue_left={left} elapsed={elapsed.TotalSeconds:F1}s");

        lost.ShouldBe(0);
        found.ShouldBe(poisons.Count);
        crash.ShouldNotBeNull("the crash-looping message must be dead-lettered by the quorum queue's delivery limit");
        crashDeath.ShouldNotBeNull();
        crashDeath.Value.Reason.ShouldBe("delivery_limit");
        crashDeath.Value.Queue.ShouldBe(run.Queue);
        Header(crash, "x-first-death-reason").ShouldBe("delivery_limit");
        outFile.CrashLines.ShouldBe(DeliveryLimit + 1, "RabbitMQ 3.10 dead-letters once the delivery count (returns) exceeds the limit: limit + 1 deliveries");
        deaths.Count.ShouldBe(DeliveryLimit + 1);
        deadLetters.Count.ShouldBe(expectedDead);
        left.ShouldBe(0u);
        run.Passed();
    }

    private static List<Poison> Poisons() => new()
    {
        new("malformed-json", "malformed-body", "fault.work", "application/json", """[[7], {}, {"callbacks": nul"""),
        new("not-celery-body-shape", "malformed-body", "fault.work", "application/json", """{"n": 7}"""),
        new("unknown-task", "unknown-task", "fault.no_such_task", "application/json", ValidBody),
        new("too-many-arguments", "invalid-arguments", "fault.work", "application/json", """[[7, 8], {}, {}]"""),
        new("missing-argument", "invalid-arguments", "fault.work", "application/json", """[[], {}, {}]"""),
        new("unknown-keyword", "invalid-arguments", "fault.work", "application/json", """[[], {"n": 7, "m": 8}, {}]"""),
        new("wrong-argument-type", "invalid-arguments", "fault.work", "application/json", """[["seven"], {}, {}]"""),
        new("missing-v2-headers", "unsupported-envelope", null, "application/json", """{"task": "fault.work", "id": "5b1d", "args": [7], "kwargs": {}}"""),
        new("pickle-content-type", "unsupported-content-type", "fault.work", "application/x-python-serialize", "\u0080\u0004\u0095pickled"),
    };

    private static string Header(BasicGetResult message, string name)
    {
        var headers = message.BasicProperties.Headers;
        return headers is not null && headers.TryGetValue(name, out var value) ? Describe(value) : "(none)";
    }

    private static (string Reason, string Queue, long Count)? XDeath(BasicGetResult message)
    {
        if (message.BasicProperties.Headers?.TryGetValue("x-death", out var value) != true || value is not IList { Count: > 0 } deaths
            || deaths[0] is not IDictionary<string, object?> first)
        {
            return null;
        }

        return (Describe(first["reason"]), Describe(first["queue"]), Convert.ToInt64(first["count"], CultureInfo.InvariantCulture));
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IDictionary<string, object?> table => "{" + string.Join(", ", table.Select(p => $"{p.Key}: {Describe(p.Value)}")) + "}",
        IList list => "[" + string.Join(", ", list.Cast<object?>().Select(Describe)) + "]",
        AmqpTimestamp time => DateTimeOffset.FromUnixTimeSeconds(time.UnixTime).ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private sealed record Poison(string Kind, string Reason, string? Task, string ContentType, string Body)
    {
        public string MessageId => "poison-" + Kind;

        public BasicProperties Properties()
        {
            var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (Task is not null)
            {
                var id = Guid.NewGuid().ToString();
                headers["lang"] = "py";
                headers["task"] = Task;
                headers["id"] = id;
                headers["root_id"] = id;
                headers["retries"] = 0;
            }

            return new BasicProperties
            {
                ContentType = ContentType,
                ContentEncoding = "utf-8",
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = MessageId,
                Headers = headers,
            };
        }
    }
}
