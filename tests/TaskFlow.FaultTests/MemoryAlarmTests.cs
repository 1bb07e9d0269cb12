using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RabbitMQ.Client;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>
/// Scenario 10: a memory alarm blocks the publishing connection (the broker stops reading it) while the publisher sends
/// large tasks. Their confirms time out; the sockets' buffers and RabbitMQ.Client's outgoing queue hold many of them, and
/// each lane's next publish is held in the client, not written yet (its frames already made), until the alarm clears;
/// the sends behind it wait for the lane's turn and end at their timeout as not enqueued. A second wave of sends runs while they are held. Every
/// message that reaches the queue must be the one its id was sent with: the memory of a publish held past its timeout is
/// never reused by a later send. One of the publisher's three lanes has no channel yet when the alarm
/// starts: the sends it gets end at their timeout as not enqueued, and none of them arrives. A narrow publisher (one
/// channel, 4 in flight, 1 s timeout) sends 40 at once: those that wait for its full window end at their timeout as not
/// enqueued, so no send takes longer than its two timeouts (window and confirm).
/// </summary>
[Collection(BrokerFaults.Name)]
public sealed class MemoryAlarmTests(ITestOutputHelper output)
{
    // 600 sends of 128 KB: more than the confirm window of the publisher's two lanes with a channel (2 x 256) and more
    // than the socket's buffers and the client's outgoing queue (128 frames) hold, so that some wait in the client before
    // being written.
    private const int FirstWave = 600;
    private const int SecondWave = 200;
    private const int PayloadChars = 128 * 1024;

    // The narrow publisher: one channel with 4 publishes in flight and a 1 s timeout, sent 40 tasks at once in the alarm.
    private const int NarrowFirst = 10_000;
    private const int NarrowCount = 40;

    [Fact]
    public async Task Scenario10_sends_timed_out_in_a_memory_alarm_reach_the_queue_intact_once_it_clears()
    {
        await using var run = await FaultRun.StartAsync("alarm", output);
        var client = await run.StartPublisherAsync(o =>
        {
            o.PublishTimeout = TimeSpan.FromSeconds(2);
            o.PublishChannels = 3; // lanes are taken in turn: this send's lane and the next one's get a channel, the third none
        });
        await client.Payload.DelayAsync(-1, Payload(-1)); // the topology declared, the connection open
        var narrow = await run.StartPublisherAsync(o =>
        {
            o.PublishTimeout = TimeSpan.FromSeconds(1);
            o.PublishChannels = 1;
            o.MaxUnconfirmedPublishesPerChannel = 4;
        });
        await narrow.Payload.DelayAsync(-1, Payload(-1)); // its one channel open before the alarm

        var sent = new ConcurrentDictionary<string, int>(); // task id -> n
        var confirmed = new ConcurrentDictionary<int, bool>();
        var timedOut = new ConcurrentDictionary<int, TaskPublishException>();
        var notEnqueued = new ConcurrentDictionary<string, int>(); // task id -> n, told "not enqueued"
        var noChannel = new ConcurrentDictionary<int, bool>();
        var noRoom = new ConcurrentDictionary<int, bool>();
        var noTurn = new ConcurrentDictionary<int, bool>();
        var durations = new ConcurrentDictionary<int, TimeSpan>();
        var otherErrors = new ConcurrentDictionary<int, Exception>();
        async Task SendAsync(TaskFlow.FaultWorker.FaultTasks.Client sender, int n)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var handle = await sender.Payload.DelayAsync(n, Payload(n));
                sent[handle.Id] = n;
                confirmed[n] = true;
            }
            catch (TaskPublishException ex) when (ex.MayHaveBeenEnqueued && ex.TaskId is { } id)
            {
                sent[id] = n;
                timedOut[n] = ex;
            }
            catch (TaskPublishException ex) when (!ex.MayHaveBeenEnqueued && ex.TaskId is { } id && ex.Message.Contains("channel.open", StringComparison.Ordinal))
            {
                // A lane whose channel was not open yet: its channel.open is not read while the connection is blocked,
                // and the send ends at its timeout, not after the client's own 20 s for the open (one caller after another).
                notEnqueued[id] = n;
                noChannel[n] = true;
            }
            catch (TaskPublishException ex) when (!ex.MayHaveBeenEnqueued && ex.TaskId is { } id && ex.Message.Contains("no room to publish", StringComparison.Ordinal))
            {
                // The lane's confirm window stayed full for the whole timeout: the send ends then, not one timeout after
                // another as the publishes ahead of it time out.
                notEnqueued[id] = n;
                noRoom[n] = true;
            }
            catch (TaskPublishException ex) when (!ex.MayHaveBeenEnqueued && ex.TaskId is { } id && ex.Message.Contains("no turn to publish", StringComparison.Ordinal))
            {
                // The lane's channel was still writing a held publish for the whole timeout: this one never reached the client.
                notEnqueued[id] = n;
                noTurn[n] = true;
            }
            catch (Exception ex)
            {
                otherErrors[n] = ex;
            }
            finally
            {
                durations[n] = Stopwatch.GetElapsedTime(started);
            }
        }

        var watermark = (await BrokerControl.RabbitCtlAsync("eval", "vm_memory_monitor:get_vm_memory_high_watermark().")).Trim();
        var watch = Stopwatch.StartNew();
        TimeSpan firstWave, secondWave;
        try
        {
            // A threshold far below what the broker itself uses: the memory alarm goes off at once.
            await BrokerControl.RabbitCtlAsync("set_vm_memory_high_watermark", "absolute", "10MB");
            await Poll.UntilAsync(async () => (await BrokerControl.RabbitCtlAsync("eval", "rabbit_alarm:get_alarms().")).Contains("memory", StringComparison.Ordinal), "the memory alarm is on", TimeSpan.FromSeconds(30));
            run.Log($"[alarm] memory alarm on (watermark was {watermark})");

            // One send on the next lane, waited for: the broker still reads a connection that has not published since the
            // alarm, so that lane's channel opens, and its publish makes the broker stop reading the connection. The third
            // lane's channel.open then goes to a connection the broker no longer reads, whatever order the waves' sends
            // run in (without this, the third lane's open could reach the broker before the first publish did, and open).
            try
            {
                await client.Payload.DelayAsync(-3, Payload(-3));
            }
            catch (TaskPublishException ex) when (ex.MayHaveBeenEnqueued)
            {
                // Timed out while the connection is blocked, as expected; it arrives once the alarm clears (n < 0: not counted).
            }

            // Bounded, so that a hang fails the test and the finally below still clears the alarm.
            await Task.WhenAll(Enumerable.Range(0, FirstWave).Select(n => Task.Run(() => SendAsync(client, n)))).WaitAsync(TimeSpan.FromMinutes(1));
            firstWave = watch.Elapsed;

            // While the first wave's publishes are held by the client, more sends: their bodies come from the same pool.
            await Task.WhenAll(Enumerable.Range(FirstWave, SecondWave).Select(n => Task.Run(() => SendAsync(client, n)))).WaitAsync(TimeSpan.FromMinutes(1));
            secondWave = watch.Elapsed;

            await Task.WhenAll(Enumerable.Range(NarrowFirst, NarrowCount).Select(n => Task.Run(() => SendAsync(narrow, n)))).WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            await BrokerControl.RabbitCtlAsync("eval", $"vm_memory_monitor:set_vm_memory_high_watermark({watermark}).");
        }

        await Poll.UntilAsync(async () => !(await BrokerControl.RabbitCtlAsync("eval", "rabbit_alarm:get_alarms().")).Contains("memory", StringComparison.Ordinal), "the alarm has cleared", TimeSpan.FromSeconds(30));
        var cleared = watch.Elapsed;
        run.Log($"[alarm] cleared at {cleared.TotalSeconds:F1} s; first wave ended at {firstWave.TotalSeconds:F1} s, second at {secondWave.TotalSeconds:F1} s");

        // The held publishes are written once the broker reads the connection again: wait until the queue stops growing.
        uint count = 0;
        var stable = Stopwatch.StartNew();
        var settle = Stopwatch.StartNew();
        while (stable.Elapsed < TimeSpan.FromSeconds(3) && settle.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(250);
            var now = (await BrokerControl.CountAsync(run.Queue)).Messages;
            if (now != count)
            {
                count = now;
                stable.Restart();
            }
        }

        // After the alarm the publisher works again (its lanes back to normal once the held publishes completed).
        await client.Payload.DelayAsync(-2, Payload(-2));

        var arrived = new Dictionary<string, int>();
        var mismatched = new List<string>();
        var duplicates = 0;
        await using (var connection = await BrokerControl.ConnectAsync("taskflow-fault-tests:alarm-reader"))
        await using (var channel = await connection.CreateChannelAsync())
        {
            while (await channel.BasicGetAsync(run.Queue, autoAck: true) is { } message)
            {
                var id = message.BasicProperties.CorrelationId ?? "(none)";
                var headerId = message.BasicProperties.Headers is { } headers && headers.TryGetValue("id", out var raw) && raw is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null;
                int n;
                string? payload;
                try
                {
                    using var body = JsonDocument.Parse(message.Body);
                    var args = body.RootElement[0];
                    n = args[0].GetInt32();
                    payload = args[1].GetString();
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or IndexOutOfRangeException)
                {
                    mismatched.Add($"id {id} (header {headerId}): unreadable body ({ex.Message})");
                    continue;
                }

                if (n < 0)
                {
                    continue; // the warm-up and the send after the alarm
                }

                if (headerId != id || !sent.TryGetValue(id, out var expected) || expected != n || payload != Payload(n))
                {
                    mismatched.Add($"id {id} (header {headerId}) was sent as n={(sent.TryGetValue(id, out var e) ? e : -1)}, arrived as n={n} with {(payload == Payload(n) ? "its own" : "another")} payload");
                }

                if (!arrived.TryAdd(id, n))
                {
                    duplicates++;
                }
            }
        }

        var lost = confirmed.Keys.Count(n => !arrived.ContainsValue(n));
        var notEnqueuedButArrived = notEnqueued.Keys.Count(arrived.ContainsKey);
        var heldCount = timedOut.Values.Count(ex => ex.MessageHeld);
        var timedOutButEnqueued = timedOut.Keys.Count(arrived.ContainsValue);
        var narrowSends = Enumerable.Range(NarrowFirst, NarrowCount).ToList();
        var narrowMax = narrowSends.Max(n => durations[n]);
        var narrowNoRoom = narrowSends.Count(noRoom.ContainsKey);
        run.Log($"[alarm] RESULT sent={FirstWave + SecondWave}+{NarrowCount} confirmed={confirmed.Count} timed_out={timedOut.Count} (held past the timeout {heldCount}) " +
            $"not_enqueued={notEnqueued.Count} (no channel {noChannel.Count}, no room {noRoom.Count}, no turn {noTurn.Count}; arrived anyway {notEnqueuedButArrived}) other_errors={otherErrors.Count} arrived={arrived.Count} timed_out_but_enqueued={timedOutButEnqueued} lost={lost} duplicates={duplicates} " +
            $"mismatched={mismatched.Count} settle={settle.Elapsed.TotalSeconds:F1}s narrow: no_room={narrowNoRoom}/{NarrowCount} longest_send={narrowMax.TotalSeconds:F2}s (timeout 1 s)");
        foreach (var line in mismatched.Take(5))
        {
            run.Log("[alarm] MISMATCH " + line);
        }

        otherErrors.ShouldBeEmpty(string.Join("; ", otherErrors.Values.Take(3).Select(ex => ex.Message)));
        timedOut.Count.ShouldBeGreaterThan(0, "the alarm blocked the connection: confirms must have timed out");
        heldCount.ShouldBeGreaterThan(0, "publishes timed out while the client still had them");
        noChannel.Count.ShouldBeGreaterThan(0, "the lane not opened before the alarm could not open its channel");
        narrowNoRoom.ShouldBeGreaterThan(0, "the narrow publisher's window stayed full: sends waiting for it end at their timeout");
        narrowMax.ShouldBeLessThan(TimeSpan.FromSeconds(3.5), "a send waits at most its timeout for a slot and its timeout for the confirm (1 s each here), not a timeout per wave of the publishes ahead of it");
        mismatched.ShouldBeEmpty("a message arrived with a body or id other than the one it was sent with");
        duplicates.ShouldBe(0);
        lost.ShouldBe(0, "a confirmed send is in the queue");
        notEnqueuedButArrived.ShouldBe(0, "a send told 'not enqueued' must not be in the queue");
        timedOut.Where(t => t.Value.MessageHeld).Count(t => arrived.ContainsValue(t.Key)).ShouldBe(heldCount, "a publish held past its timeout is written once the alarm clears (nothing closed its channel)");
        run.Passed();
    }

    private static string Payload(int n) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n}:") + new string((char)('a' + ((n % 26) + 26) % 26), PayloadChars);
}
