using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.Core;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>
/// The consumer posts plain acks instead of awaiting them (AckBatcher coalesces them). A delivery whose ack is posted
/// but not yet written still counts as in flight: a drain that ended before the frame would let the channel close with
/// finished tasks unacked, and the broker would hand them back to run again. Checked with the consumer's frames held
/// back on their way to a real broker's channel. The channel is then closed as the worker closes it, after
/// <see cref="AmqpQueueConsumer.AckSettleGrace"/>: closed at once, a quorum queue handed back 5-7 of the 40 acked
/// messages in 2 of 20 runs under load (rabbitmq-server issue 10327).
/// </summary>
public sealed class PostedAckDrainTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The channel's acks, held until <see cref="Open"/>.</summary>
    private sealed class HeldSink(IChannel channel) : IAckSink
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _frames;

        public int Frames => Volatile.Read(ref _frames);

        public void Open() => _open.TrySetResult();

        public async ValueTask AckAsync(ulong deliveryTag, bool multiple)
        {
            await _open.Task.ConfigureAwait(false);
            Interlocked.Increment(ref _frames);
            await channel.BasicAckAsync(deliveryTag, multiple).ConfigureAwait(false);
        }

        public async ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure)
        {
            await _open.Task.ConfigureAwait(false);
            Interlocked.Increment(ref _frames);
            await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task A_drain_waits_for_the_frames_of_posted_acks_and_nothing_comes_back()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);
        const int count = 40;
        await host.Tasks.Record.DelayManyAsync(Enumerable.Range(0, count).Select(i => ("held", i)).ToList());

        await using var connection = await Broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 100, global: false);
        var sink = new HeldSink(channel);
        var work = new QueueWork(host.Services.GetRequiredService<TaskProcessor>(), new TaskSlots(2), new TaskFlowWorkerStatus(), CancellationToken.None);
        // Plain acks only here: the retry and dead-letter senders are not reached.
        var consumer = new AmqpQueueConsumer(channel, host.Queue, work, retries: null!, deadLetters: null!, NullLogger.Instance, processingLimit: 2, acks: sink);
        var tag = await channel.BasicConsumeAsync(host.Queue, autoAck: false, consumer);

        await Eventually.UntilAsync(() => Task.FromResult(host.Recorder.Records.Count == count), Timeout, "every task ran");
        consumer.InFlight.ShouldBe(count, "every task ran, and none of their acks has been written yet");
        consumer.BeginStop();
        await channel.BasicCancelAsync(tag);
        var drained = consumer.DrainAsync();
        await Task.Delay(300);
        drained.IsCompleted.ShouldBeFalse("the drain ended while acks were still unwritten");

        sink.Open();
        await drained.WaitAsync(Timeout);
        consumer.InFlight.ShouldBe(0);
        sink.Frames.ShouldBeGreaterThan(0);
        // Closed as the worker closes it: after the pause that lets a quorum queue apply the last acks first.
        await new RabbitMqQueueConsumer(host.Queue, channel, consumer, tag, NullLogger.Instance).CloseAsync();

        await using var check = await connection.CreateChannelAsync();
        (await check.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(0u, "a closed channel hands back what it had unacked: nothing");
        host.Recorder.Records.Count.ShouldBe(count);
    }

    /// <summary>
    /// The posted acks' frames fail because their channel closed first: each is reported as a lost ack (the core
    /// remembers the outcome), so when the broker delivers the copies again, to a new consumer of this worker, they are
    /// skipped and acked, not run a second time.
    /// </summary>
    [Fact]
    public async Task Acks_lost_with_their_channel_are_reported_and_the_copies_are_skipped_not_run_again()
    {
        await using var host = await TaskFlowTestHost.StartAsync(worker: false);
        const int count = 10;
        await host.Tasks.Record.DelayManyAsync(Enumerable.Range(0, count).Select(i => ("lost", i)).ToList());
        var processor = host.Services.GetRequiredService<TaskProcessor>();

        await using var connection = await Broker.ConnectAsync();
        var first = await connection.CreateChannelAsync();
        await first.BasicQosAsync(0, 100, global: false);
        var held = new HeldSink(first);
        var consumer = new AmqpQueueConsumer(first, host.Queue, new QueueWork(processor, new TaskSlots(2), new TaskFlowWorkerStatus(), CancellationToken.None), retries: null!, deadLetters: null!, NullLogger.Instance, processingLimit: 2, acks: held);
        await first.BasicConsumeAsync(host.Queue, autoAck: false, consumer);
        await Eventually.UntilAsync(() => Task.FromResult(host.Recorder.Records.Count == count), Timeout, "every task ran");
        consumer.InFlight.ShouldBe(count);

        await first.CloseAsync(); // the broker takes the ten back, unacked
        held.Open();              // now their frames fail: the channel is closed
        await Eventually.UntilAsync(() => Task.FromResult(consumer.InFlight == 0), Timeout, "every lost ack is reported");

        var second = await connection.CreateChannelAsync();
        await second.BasicQosAsync(0, 100, global: false);
        var again = new AmqpQueueConsumer(second, host.Queue, new QueueWork(processor, new TaskSlots(2), new TaskFlowWorkerStatus(), CancellationToken.None), retries: null!, deadLetters: null!, NullLogger.Instance, processingLimit: 2);
        await second.BasicConsumeAsync(host.Queue, autoAck: false, again);
        await using var check = await connection.CreateChannelAsync();
        var settledSince = DateTime.MaxValue;
        await Eventually.UntilAsync(
            async () =>
            {
                var settled = (await check.QueueDeclarePassiveAsync(host.Queue)).MessageCount == 0 && again.InFlight == 0;
                settledSince = settled ? (settledSince == DateTime.MaxValue ? DateTime.UtcNow : settledSince) : DateTime.MaxValue;
                return settled && DateTime.UtcNow - settledSince > TimeSpan.FromMilliseconds(300);
            },
            Timeout,
            "the copies were delivered to the second consumer and settled");
        await second.CloseAsync();

        (await check.QueueDeclarePassiveAsync(host.Queue)).MessageCount.ShouldBe(0u, "the copies were acked");
        host.Recorder.Records.Count.ShouldBe(count, "no copy ran again");
    }
}
