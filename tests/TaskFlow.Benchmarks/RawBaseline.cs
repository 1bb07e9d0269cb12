using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.Benchmarks;

/// <summary>
/// The hand-written RabbitMQ.Client baseline with TaskFlow's guarantees: persistent messages,
/// <c>mandatory</c>, publisher confirms awaited per publish (tracking on, the client's rate limiter off, the
/// window bounded by the number of concurrent publishers), a quorum queue with TaskFlow's arguments behind a
/// direct exchange, manual ack per message after the handler ran, and separate publisher and consumer
/// connections as TaskFlow uses. The body is 128 bytes, like TaskFlow's Celery body here.
/// <para>
/// The "celery-wire" variant (diagnostic, <c>--sides raw,celery-wire,taskflow</c>) sends, with the same raw code,
/// one pre-built TaskFlow message (its Celery protocol v2 headers, properties and JSON body, made once by
/// TaskFlow's own envelope code) over and over: the part of TaskFlow's cost that comes from the wire format
/// (header table encoded and decoded by RabbitMQ.Client, parsed and stored by the broker) rather than from
/// TaskFlow's per-message work.
/// </para>
/// </summary>
internal sealed class RawBaseline : IScenario
{
    public const int BodySize = 128;

    private readonly Broker _broker;
    private readonly BenchOptions _options;
    private readonly BasicProperties _properties;
    private readonly ReadOnlyMemory<byte> _body;

    // Side raw-state: properties of its own per message (its id) and the store's consumer instead of the counting one.
    private readonly Func<BasicProperties>? _perMessage;
    private readonly Func<string, Task<IAsyncDisposable>>? _startConsumer;

    public RawBaseline(Broker broker, BenchOptions options, CeleryWire? wire = null)
    {
        _broker = broker;
        _options = options;
        Name = wire is null ? "raw" : "celery-wire";
        _properties = wire?.Properties ?? new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
        _body = wire?.Body ?? new byte[BodySize];
    }

    /// <summary>The raw code with each message's properties from <paramref name="perMessage"/> and another consumer (phases b and c).</summary>
    public RawBaseline(Broker broker, BenchOptions options, string name, Func<BasicProperties> perMessage, Func<string, Task<IAsyncDisposable>> startConsumer)
        : this(broker, options)
    {
        Name = name;
        _perMessage = perMessage;
        _startConsumer = startConsumer;
    }

    public string Name { get; }

    /// <summary>(a) N confirmed publishes, <see cref="BenchOptions.Window"/> in flight on one channel.</summary>
    public async Task<Measurement> SendAsync(string queue, int messages)
    {
        var connection = await _broker.Factory("taskflow-bench:raw:publisher").CreateConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var channel = await OpenPublisherAsync(connection, queue).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                var before = Snapshot.Take();
                await PublishManyAsync(channel, queue, messages).ConfigureAwait(false);
                var after = Snapshot.Take();
                await channel.CloseAsync().ConfigureAwait(false);
                await connection.CloseAsync().ConfigureAwait(false);
                return Measurement.Between(before, after, messages);
            }
        }
    }

    /// <summary>
    /// (d) N confirmed publishes by one caller, windowed as a careful user writes it: each publish started without
    /// awaiting it, at most <see cref="BenchOptions.Window"/> unconfirmed at once (the oldest awaited when the window is
    /// full), then all the rest awaited together.
    /// </summary>
    public async Task<Measurement> SendBatchAsync(string queue, int messages)
    {
        var connection = await _broker.Factory("taskflow-bench:raw:publisher").CreateConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var channel = await OpenPublisherAsync(connection, queue).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                var before = Snapshot.Take();
                var inFlight = new Queue<Task>(_options.Window);
                for (var i = 0; i < messages; i++)
                {
                    if (inFlight.Count >= _options.Window)
                    {
                        await inFlight.Dequeue().ConfigureAwait(false);
                    }

                    // Completes when the broker confirmed it; throws PublishException on nack or basic.return.
                    var publish = channel.BasicPublishAsync(_broker.Exchange, queue, mandatory: true, _properties, _body);
                    if (!publish.IsCompletedSuccessfully)
                    {
                        inFlight.Enqueue(publish.AsTask());
                    }
                }

                await Task.WhenAll(inFlight).ConfigureAwait(false);
                var after = Snapshot.Take();
                await channel.CloseAsync().ConfigureAwait(false);
                await connection.CloseAsync().ConfigureAwait(false);
                return Measurement.Between(before, after, messages);
            }
        }
    }

    /// <summary>(b) Pre-fill N messages, then consume them with manual acks; timed from the first to the last handled message.</summary>
    public async Task<Measurement> ConsumeAsync(string queue, int messages)
    {
        var publisher = await _broker.Factory("taskflow-bench:raw:publisher").CreateConnectionAsync().ConfigureAwait(false);
        await using (publisher.ConfigureAwait(false))
        {
            var channel = await OpenPublisherAsync(publisher, queue).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                await PublishManyAsync(channel, queue, messages).ConfigureAwait(false);
                await channel.CloseAsync().ConfigureAwait(false);
            }

            await publisher.CloseAsync().ConfigureAwait(false);
        }

        var ready = await _broker.MessageCountAsync(queue).ConfigureAwait(false);
        if (ready != messages)
        {
            throw new InvalidOperationException($"{Name} (b): {ready} messages ready in {queue}, expected {messages}");
        }

        Probe.Reset(messages);
        var consumer = await StartConsumerAsync(queue).ConfigureAwait(false);
        await using (consumer.ConfigureAwait(false))
        {
            await Probe.Done.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            return Measurement.Between(Probe.First, Probe.Last, messages - 1);
        }
    }

    /// <summary>(c) One message at a time: from just before publish to the handler running.</summary>
    public async Task<Measurement> LatencyAsync(string queue, int messages, int warmup)
    {
        var connection = await _broker.Factory("taskflow-bench:raw:publisher").CreateConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var channel = await OpenPublisherAsync(connection, queue).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                Probe.Reset(int.MaxValue);
                var consumer = await StartConsumerAsync(queue).ConfigureAwait(false);
                await using (consumer.ConfigureAwait(false))
                {
                    var latencies = new long[messages];
                    Snapshot before = default;
                    for (var i = -warmup; i < messages; i++)
                    {
                        if (i == 0)
                        {
                            before = Snapshot.Take();
                        }

                        var ran = Probe.ArmLatency();
                        var sent = Stopwatch.GetTimestamp();
                        await channel.BasicPublishAsync(_broker.Exchange, queue, mandatory: true, _perMessage?.Invoke() ?? _properties, _body).ConfigureAwait(false);
                        var at = await ran.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                        if (i >= 0)
                        {
                            latencies[i] = at - sent;
                        }
                    }

                    var after = Snapshot.Take();
                    await channel.CloseAsync().ConfigureAwait(false);
                    return Measurement.Between(before, after, messages).WithLatencies(latencies);
                }
            }
        }
    }

    private Task<IChannel> OpenPublisherAsync(IConnection connection, string queue) => OpenPublisherAsync(_broker, connection, queue);

    /// <summary>A publisher channel as the baselines use it: confirms tracked, no rate limiter; the queue declared.</summary>
    internal static async Task<IChannel> OpenPublisherAsync(Broker broker, IConnection connection, string queue)
    {
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null)).ConfigureAwait(false);
        await broker.DeclareRawQueueAsync(channel, queue).ConfigureAwait(false);
        return channel;
    }

    private async Task PublishManyAsync(IChannel channel, string queue, int messages)
    {
        var body = _body;
        var properties = _properties;
        var perMessage = _perMessage;
        var exchange = _broker.Exchange;
        var issued = 0;
        async Task PublisherAsync()
        {
            while (Interlocked.Increment(ref issued) <= messages)
            {
                // Completes when the broker confirmed it; throws PublishException on nack or basic.return.
                await channel.BasicPublishAsync(exchange, queue, mandatory: true, perMessage?.Invoke() ?? properties, body).ConfigureAwait(false);
            }
        }

        var publishers = new Task[Math.Min(_options.Window, messages)];
        for (var i = 0; i < publishers.Length; i++)
        {
            publishers[i] = PublisherAsync();
        }

        await Task.WhenAll(publishers).ConfigureAwait(false);
    }

    private async Task<IAsyncDisposable> StartConsumerAsync(string queue)
    {
        if (_startConsumer is not null)
        {
            return await _startConsumer(queue).ConfigureAwait(false);
        }

        var connection = await _broker.Factory("taskflow-bench:raw:consumer").CreateConnectionAsync().ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: false,
            publisherConfirmationTrackingEnabled: false,
            consumerDispatchConcurrency: (ushort)_options.Concurrency)).ConfigureAwait(false);
        await channel.BasicQosAsync(0, (ushort)_options.Prefetch, global: false).ConfigureAwait(false);
        var consumer = new RawConsumer(connection, channel, (ulong)_options.RawAckEvery);
        consumer.Tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer).ConfigureAwait(false);
        return consumer;
    }

    /// <summary>The no-op handler: count, then ack the single message.</summary>
    private sealed class RawConsumer : AsyncDefaultBasicConsumer, IAsyncDisposable
    {
        private readonly IConnection _connection;
        private readonly ulong _ackEvery;
        private ulong _lastTag;

        public RawConsumer(IConnection connection, IChannel channel, ulong ackEvery)
            : base(channel)
        {
            _connection = connection;
            _ackEvery = ackEvery;
        }

        public string Tag { get; set; } = string.Empty;

        public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            Probe.Complete();
            if (_ackEvery <= 1)
            {
                await Channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            // --raw-ack-every: one ack with multiple set per N tags; the rest at dispose.
            InterlockedMax(ref _lastTag, deliveryTag);
            if (deliveryTag % _ackEvery == 0)
            {
                await Channel.BasicAckAsync(deliveryTag, multiple: true, CancellationToken.None).ConfigureAwait(false);
            }
        }

        private static void InterlockedMax(ref ulong target, ulong value)
        {
            var seen = Interlocked.Read(ref target);
            while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var now && now != seen)
            {
                seen = now;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Channel.BasicCancelAsync(Tag).ConfigureAwait(false);
            if (_ackEvery > 1 && Interlocked.Read(ref _lastTag) is var last and > 0 && last % _ackEvery != 0)
            {
                await Channel.BasicAckAsync(last, multiple: true, CancellationToken.None).ConfigureAwait(false);
            }

            await Channel.CloseAsync().ConfigureAwait(false);
            Channel.Dispose();
            await _connection.CloseAsync().ConfigureAwait(false);
            _connection.Dispose();
        }
    }
}

/// <summary>One side of the comparison.</summary>
internal interface IScenario
{
    string Name { get; }

    Task<Measurement> SendAsync(string queue, int messages);

    Task<Measurement> SendBatchAsync(string queue, int messages);

    Task<Measurement> ConsumeAsync(string queue, int messages);

    Task<Measurement> LatencyAsync(string queue, int messages, int warmup);
}
