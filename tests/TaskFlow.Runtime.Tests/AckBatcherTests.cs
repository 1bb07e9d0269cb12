using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.RabbitMq.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>
/// <see cref="AckBatcher"/>: a multiple ack must never settle a message that is still running or that is to be handed
/// back. Checked against a model of the broker's ack rules with random completion orders, and against a real broker.
/// </summary>
public sealed class AckBatcherTests
{
    /// <summary>The broker's rules for one channel: multiple acks settle every unsettled tag up to theirs.</summary>
    private sealed class ModelBroker : IAckSink
    {
        private readonly object _sync = new();

        public HashSet<ulong> Unsettled { get; } = new();

        public HashSet<ulong> Acked { get; } = new();

        public HashSet<ulong> Nacked { get; } = new();

        public int MultipleFrames { get; private set; }

        /// <summary>When set, the next frame waits for it: a slow frame, behind which settlements pile up for sure.</summary>
        public TaskCompletionSource? Gate { get; set; }

        public async ValueTask AckAsync(ulong deliveryTag, bool multiple)
        {
            if (Gate is { } gate)
            {
                Gate = null;
                await gate.Task;
            }

            await Task.Yield(); // a frame takes time: settlements pile up behind it
            lock (_sync)
            {
                Unsettled.Contains(deliveryTag).ShouldBeTrue($"ack of tag {deliveryTag}, which is not outstanding (double ack: the channel would close)");
                var covered = multiple ? Unsettled.Where(t => t <= deliveryTag).ToList() : [deliveryTag];
                MultipleFrames += multiple ? 1 : 0;
                foreach (var tag in covered)
                {
                    Unsettled.Remove(tag);
                    Acked.Add(tag);
                }
            }
        }

        public async ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure)
        {
            await Task.Yield();
            lock (_sync)
            {
                Unsettled.Remove(deliveryTag).ShouldBeTrue($"nack of tag {deliveryTag}, which is not outstanding");
                Nacked.Add(deliveryTag);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Random_completion_orders_settle_exactly_what_was_asked(int seed)
    {
        var random = new Random(seed);
        var broker = new ModelBroker();
        var batcher = new AckBatcher(broker);
        const int count = 2_000;
        for (ulong tag = 1; tag <= count; tag++)
        {
            broker.Unsettled.Add(tag);
        }

        // Some tags are nacked, some are "still running" at the end (never settled), the rest acked; in random order
        // and from concurrent callers, as the consumer's handlers do.
        var plan = Enumerable.Range(1, count).Select(i => (Tag: (ulong)i, Kind: random.Next(20) switch { 0 => 'n', 1 => 'r', _ => 'a' })).ToList();
        var order = plan.Where(p => p.Kind != 'r').OrderBy(_ => random.Next()).ToList();
        var settlements = order.Select(async (p, i) =>
        {
            if (i % 16 == 0)
            {
                await Task.Delay(1).ConfigureAwait(false);
            }

            if (p.Kind == 'n')
            {
                await batcher.ReturnAsync(p.Tag, countsAsFailure: false).ConfigureAwait(false);
            }
            else
            {
                await batcher.AckAsync(p.Tag).ConfigureAwait(false);
            }
        }).ToList();
        await Task.WhenAll(settlements).WaitAsync(TimeSpan.FromSeconds(30));

        broker.Acked.OrderBy(t => t).ShouldBe(plan.Where(p => p.Kind == 'a').Select(p => p.Tag).OrderBy(t => t));
        broker.Nacked.OrderBy(t => t).ShouldBe(plan.Where(p => p.Kind == 'n').Select(p => p.Tag).OrderBy(t => t));
        broker.Unsettled.OrderBy(t => t).ShouldBe(plan.Where(p => p.Kind == 'r').Select(p => p.Tag).OrderBy(t => t));
        // How much gets coalesced here depends on timing (the next test pins it down); never more frames than settlements.
        batcher.Frames.ShouldBeLessThanOrEqualTo(order.Count);
    }

    [Fact]
    public async Task Settlements_that_pile_up_behind_a_frame_in_flight_go_out_as_one_multiple_ack()
    {
        var broker = new ModelBroker();
        var batcher = new AckBatcher(broker);
        for (ulong tag = 1; tag <= 10; tag++)
        {
            broker.Unsettled.Add(tag);
        }

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.Gate = gate;
        var first = batcher.AckAsync(1).AsTask();
        var rest = Enumerable.Range(2, 9).Select(t => batcher.AckAsync((ulong)t).AsTask()).ToList();
        await Task.Delay(50);
        broker.Acked.ShouldBeEmpty("the first frame is still in flight");
        gate.SetResult();
        await Task.WhenAll(rest.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        broker.Unsettled.ShouldBeEmpty();
        broker.Acked.Count.ShouldBe(10);
        // The first flush took the tags queued by then (1 alone, or 1..k as one multiple ack); the rest piled up behind it and
        // went out as one multiple ack: two frames at most for ten settlements.
        broker.MultipleFrames.ShouldBeInRange(1, 2, "the piled-up tags went out in multiple acks");
        batcher.Frames.ShouldBeLessThanOrEqualTo(2);
    }

    [Fact]
    public async Task A_running_message_below_finished_ones_is_not_acked_with_them()
    {
        var broker = new ModelBroker();
        var batcher = new AckBatcher(broker);
        for (ulong tag = 1; tag <= 10; tag++)
        {
            broker.Unsettled.Add(tag);
        }

        await Task.WhenAll(Enumerable.Range(1, 10).Where(t => t != 4).Select(t => batcher.AckAsync((ulong)t).AsTask()));
        broker.Unsettled.ShouldBe([4UL]);

        await batcher.ReturnAsync(4, countsAsFailure: false);
        broker.Nacked.ShouldBe([4UL]);
        broker.Unsettled.ShouldBeEmpty();

        // After the gap closed, the run continues from there: 11..20 in one frame.
        for (ulong tag = 11; tag <= 20; tag++)
        {
            broker.Unsettled.Add(tag);
        }

        var before = batcher.Frames;
        await Task.WhenAll(Enumerable.Range(11, 10).Select(t => batcher.AckAsync((ulong)t).AsTask()));
        broker.Unsettled.ShouldBeEmpty();
        (batcher.Frames - before).ShouldBeLessThan(10);
    }

    [Fact]
    public async Task Without_coalescing_every_settlement_is_its_own_frame()
    {
        var broker = new ModelBroker();
        var batcher = new AckBatcher(broker, coalesce: false);
        for (ulong tag = 1; tag <= 50; tag++)
        {
            broker.Unsettled.Add(tag);
        }

        await Task.WhenAll(Enumerable.Range(1, 50).Select(t => batcher.AckAsync((ulong)t).AsTask()));
        broker.MultipleFrames.ShouldBe(0);
        batcher.Frames.ShouldBe(50);
        broker.Unsettled.ShouldBeEmpty();
    }

    /// <summary>What the consumer's side of posted acks sees: each report, in order, and when it came.</summary>
    private sealed class Observer : IPostedAckObserver
    {
        private readonly object _sync = new();

        public List<(ulong Tag, string? TaskId, Exception? Error)> Reports { get; } = new();

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Expected { get; set; }

        public void Flushed(List<PostedAck> acks, Exception? error)
        {
            lock (_sync)
            {
                foreach (var ack in acks)
                {
                    Reports.Add((ack.Tag, ack.TaskId, error));
                }

                if (Reports.Count >= Expected)
                {
                    All.TrySetResult();
                }
            }
        }
    }

    [Fact]
    public async Task Posted_acks_return_at_once_are_reported_only_once_written_and_go_out_together()
    {
        var broker = new ModelBroker();
        var observer = new Observer { Expected = 50 };
        var batcher = new AckBatcher(broker, observer: observer);
        for (ulong tag = 1; tag <= 50; tag++)
        {
            broker.Unsettled.Add(tag);
        }

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.Gate = gate;
        for (ulong tag = 1; tag <= 50; tag++)
        {
            batcher.Post(new PostedAck(tag, "task-" + tag, "tests.noop", null)); // returns at once though no frame is written
        }

        await Task.Delay(50);
        broker.Acked.ShouldBeEmpty("the first frame is held at the gate");
        lock (observer)
        {
            observer.Reports.ShouldBeEmpty("no ack is reported before its frame was written (the consumer's drain waits for the report)");
        }

        gate.SetResult();
        await observer.All.Task.WaitAsync(TimeSpan.FromSeconds(10));

        broker.Unsettled.ShouldBeEmpty();
        broker.Acked.Count.ShouldBe(50);
        observer.Reports.Select(r => r.Tag).OrderBy(t => t).ShouldBe(Enumerable.Range(1, 50).Select(t => (ulong)t));
        observer.Reports.ShouldAllBe(r => r.Error == null && r.TaskId == "task-" + r.Tag);
        batcher.Frames.ShouldBeLessThanOrEqualTo(2, "fifty posted acks went out as at most two frames");
        broker.MultipleFrames.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task A_posted_ack_whose_frame_fails_is_reported_with_the_error_and_later_ones_still_go_out()
    {
        var sink = new FailingSink { FailNext = 1 };
        var observer = new Observer { Expected = 1 };
        var batcher = new AckBatcher(sink, observer: observer);

        batcher.Post(new PostedAck(1, "a", "tests.noop", null));
        await observer.All.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (observer)
        {
            observer.Reports.Single().Tag.ShouldBe(1UL);
            observer.Reports.Single().Error.ShouldBeOfType<RabbitMQ.Client.Exceptions.AlreadyClosedException>("the ack of the failed frame is reported lost");
            observer.Expected = 3;
        }

        batcher.Post(new PostedAck(2, "b", "tests.noop", null));
        batcher.Post(new PostedAck(3, "c", "tests.noop", null));
        await Eventually.UntilAsync(() => { lock (observer) { return Task.FromResult(observer.Reports.Count == 3); } }, TimeSpan.FromSeconds(10), "the later acks are reported");
        lock (observer)
        {
            observer.Reports.Skip(1).OrderBy(r => r.Tag).ShouldBe([(2UL, "b", (Exception?)null), (3UL, "c", (Exception?)null)]);
        }

        sink.Acked.Max().ShouldBe(3UL, "the later acks were written");
    }

    [Fact]
    public void Posting_without_an_observer_is_refused()
    {
        var batcher = new AckBatcher(new ModelBroker());
        Should.Throw<InvalidOperationException>(() => batcher.Post(new PostedAck(1, "a", "tests.noop", null)))
            .Message.ShouldContain("observer");
    }

    /// <summary>Fails its next <see cref="FailNext"/> frames as a closed channel does, then acks.</summary>
    private sealed class FailingSink : IAckSink
    {
        public int FailNext { get; set; }

        public List<ulong> Acked { get; } = new();

        public async ValueTask AckAsync(ulong deliveryTag, bool multiple)
        {
            await Task.Yield();
            if (FailNext > 0)
            {
                FailNext--;
                throw new RabbitMQ.Client.Exceptions.AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 406, "PRECONDITION_FAILED - test"));
            }

            lock (Acked)
            {
                Acked.Add(deliveryTag);
            }
        }

        public ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure) => ValueTask.CompletedTask;
    }

    /// <summary>
    /// A real broker: 300 messages, finished in random order by concurrent handlers, every tenth handed back once. All
    /// come through, the handed-back ones exactly once more, and the queue is empty with nothing unacked afterwards.
    /// </summary>
    [Fact]
    public async Task On_a_real_broker_nothing_is_lost_and_handed_back_messages_come_again()
    {
        var queue = Broker.UniqueName("acks");
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 64));
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        try
        {
            const int count = 300;
            for (var i = 0; i < count; i++)
            {
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, new BasicProperties { MessageId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, ReadOnlyMemory<byte>.Empty);
            }

            await channel.BasicQosAsync(0, 100, global: false);
            var batcher = new AckBatcher(new ChannelAckSink(channel));
            var seen = new ConcurrentDictionary<string, int>();
            var handedBack = new ConcurrentDictionary<string, bool>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var acked = 0;
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var id = delivery.BasicProperties.MessageId!;
                var times = seen.AddOrUpdate(id, 1, (_, n) => n + 1);
                await Task.Delay(Random.Shared.Next(0, 5));
                if (int.Parse(id, System.Globalization.CultureInfo.InvariantCulture) % 10 == 0 && handedBack.TryAdd(id, true))
                {
                    await batcher.ReturnAsync(delivery.DeliveryTag, countsAsFailure: false);
                    return;
                }

                await batcher.AckAsync(delivery.DeliveryTag);
                if (Interlocked.Increment(ref acked) == count)
                {
                    done.TrySetResult();
                }
            };
            var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await channel.BasicCancelAsync(tag);

            seen.Count.ShouldBe(count);
            seen.Where(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture) % 10 == 0).ShouldAllBe(kv => kv.Value == 2);
            seen.Where(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture) % 10 != 0).ShouldAllBe(kv => kv.Value == 1);
            batcher.Frames.ShouldBeLessThan(count + count / 10, "acks were not coalesced");

            // Nothing left unacked or ready: closing the channel would hand back anything unacked; then count.
            await channel.CloseAsync();
            await using var check = await connection.CreateChannelAsync();
            var declared = await check.QueueDeclarePassiveAsync(queue);
            declared.MessageCount.ShouldBe(0u);
        }
        finally
        {
            await using var cleanup = await connection.CreateChannelAsync();
            await cleanup.QueueDeleteAsync(queue);
        }
    }
}
