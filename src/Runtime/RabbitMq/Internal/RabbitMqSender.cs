using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;
using RabbitMQ.Client;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// The RabbitMQ transport's sender: a Celery protocol v2 envelope published persistent, mandatory and confirmed, to
/// its queue now or through the delay levels when its ETA is in the future. Retries and early-arriving ETA messages
/// take the same route (<see cref="RouteAsync"/>), each stamped with its own send time (<see cref="SendTime"/>).
/// </summary>
internal sealed class RabbitMqSender : ITaskSender, IDisposable
{
    private readonly ConfirmedPublisher _publisher;
    private readonly TopologyDeclarer _declarer;
    private readonly RabbitMqOptions _options;
    private readonly TimeProvider _time;

    public RabbitMqSender(ConfirmedPublisher publisher, BrokerConnections connections, Topology topology, RabbitMqOptions options, TimeProvider time)
    {
        _publisher = publisher;
        _declarer = new TopologyDeclarer(publisher, connections, topology, options);
        _options = options;
        _time = time;
    }

    public TimeSpan MaxDelay => DelayLevels.MaxDelay;

    public bool RunsInline => false;

    public void Dispose() => _declarer.Dispose();

    /// <summary>
    /// Publishes the envelope. Its <see cref="BasicProperties"/> are taken from a per-thread spare and given back once
    /// the publish has ended (RabbitMQ.Client writes them into its frame when the publish is sent and does not keep
    /// them, and nothing here holds them past the publish): one object less per message.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        var properties = t_spare ?? new BasicProperties
        {
            ContentType = "application/json",
            ContentEncoding = "utf-8",
            DeliveryMode = DeliveryModes.Persistent,
        };
        t_spare = null;
        properties.CorrelationId = envelope.Id;
        properties.Headers = envelope.Headers;
        if (envelope.Priority is { } priority)
        {
            properties.Priority = priority;
        }

        var held = false;
        try
        {
            await RouteAsync(envelope.Queue, properties, envelope.Body, envelope.Eta, envelope.TaskName, canLeaveHeld: true, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskPublishException ex) when (ex.MessageHeld)
        {
            // The confirm timed out while the client may still read this message (ConfirmWatch): its body and
            // properties are left to it, not reused.
            held = true;
            envelope.AbandonBody();
            throw;
        }
        finally
        {
            // Back to its constant parts (RouteAsync stamps the timestamp; the rest is this envelope's), unless the
            // client may still read them.
            if (!held)
            {
                properties.CorrelationId = null;
                properties.Headers = null;
                properties.ClearPriority();
                properties.ClearTimestamp();
                t_spare = properties;
            }
        }
    }

    [ThreadStatic]
    private static BasicProperties? t_spare;

    /// <summary>How often a batch that waits for room in its window moves to the thread pool (<see cref="SendManyAsync"/>).</summary>
    internal const int HopEvery = 16;

    /// <summary>
    /// Pipelines a batch: up to <see cref="RabbitMqOptions.PublishChannels"/> x
    /// <see cref="RabbitMqOptions.MaxUnconfirmedPublishesPerChannel"/> publishes are in flight at once (the publisher's
    /// whole confirm window), their confirms awaited together; each finished one makes room for the next, so memory
    /// stays flat however long the batch. A failed publish does not stop the others: its error goes to
    /// <paramref name="errors"/>. The publishes in flight are kept as the <see cref="ValueTask"/>s they are (each awaited
    /// once, when settled), not wrapped in a <see cref="Task"/> each.
    /// </summary>
    /// <remarks>
    /// The confirms of one ack frame are completed one after another on one thread-pool work item
    /// (<see cref="ConfirmTracker"/>), and what awaits each runs there, inline. So the loop, once the window is full, would
    /// publish the batch's rest from that work item, and the frame's later confirms would wait while it publishes. Every
    /// <see cref="HopEvery"/>th publish that waited for room, the loop moves to the thread pool: completing confirms and
    /// publishing run side by side (docs/benchmarks.md, fifteenth pass: 0.88-0.89x -> 1.00x of raw on phase d, 440 B and
    /// 1.5 us less per task).
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendManyAsync(IReadOnlyList<TaskEnvelope> envelopes, Exception?[] errors, CancellationToken cancellationToken)
    {
        var window = Math.Max(1, Math.Max(1, _options.PublishChannels) * _options.MaxUnconfirmedPublishesPerChannel);
        var inFlight = new Queue<(int Index, ValueTask Publish)>(Math.Min(window, envelopes.Count));
        for (var i = 0; i < envelopes.Count; i++)
        {
            if (inFlight.Count >= window)
            {
                await SettleAsync(inFlight.Dequeue(), errors).ConfigureAwait(false);
                if (i % HopEvery == 0)
                {
                    await default(ThreadPoolHop); // off the work item that completes confirms (see remarks)
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                errors[i] = new OperationCanceledException("TaskFlow: the batch was cancelled before this task was published; it was not enqueued.", cancellationToken);
                continue;
            }

            ValueTask publish;
            try
            {
                publish = SendAsync(envelopes[i], cancellationToken);
            }
            catch (Exception ex)
            {
                errors[i] = ex;
                continue;
            }

            if (publish.IsCompletedSuccessfully)
            {
                publish.GetAwaiter().GetResult(); // consumed, so that its pooled box goes back to the pool
                continue;
            }

            inFlight.Enqueue((i, publish));
        }

        while (inFlight.Count > 0)
        {
            await SettleAsync(inFlight.Dequeue(), errors).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask SettleAsync((int Index, ValueTask Publish) pending, Exception?[] errors)
    {
        try
        {
            await pending.Publish.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            errors[pending.Index] = ex;
        }
    }

    /// <summary>Publishes to <paramref name="queue"/> now, or through the delay levels when <paramref name="eta"/> is in the future.</summary>
    /// <remarks>
    /// <c>canLeaveHeld</c>: see <see cref="ConfirmedPublisher.PublishAsync"/>. Not an async method: once the queue is
    /// declared (every publish but the first) it hands back the publisher's own <see cref="ValueTask"/>, one state
    /// machine less per message.
    /// </remarks>
    public ValueTask RouteAsync(string queue, BasicProperties properties, ReadOnlyMemory<byte> body, DateTimeOffset? eta, string taskName, bool canLeaveHeld, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var steps = eta is { } due ? DelayLevels.Steps(due - now) : 0;
        SendTime.Stamp(properties, steps == 0 ? now : eta!.Value);
        var declared = _declarer.EnsureAsync(queue, steps > 0, taskName, cancellationToken, properties.CorrelationId);
        if (!declared.IsCompletedSuccessfully)
        {
            return PublishWhenDeclaredAsync(declared, queue, properties, body, steps, taskName, canLeaveHeld, cancellationToken);
        }

        declared.GetAwaiter().GetResult();
        return PublishAsync(queue, properties, body, steps, taskName, canLeaveHeld, cancellationToken);
    }

    private async ValueTask PublishWhenDeclaredAsync(ValueTask declared, string queue, BasicProperties properties, ReadOnlyMemory<byte> body, long steps, string taskName, bool canLeaveHeld, CancellationToken cancellationToken)
    {
        await declared.ConfigureAwait(false);
        await PublishAsync(queue, properties, body, steps, taskName, canLeaveHeld, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask PublishAsync(string queue, BasicProperties properties, ReadOnlyMemory<byte> body, long steps, string taskName, bool canLeaveHeld, CancellationToken cancellationToken) =>
        steps == 0
            ? _publisher.PublishAsync(_options.ExchangeName, queue, properties, body, taskName, canLeaveHeld, cancellationToken)
            : _publisher.PublishAsync(
                DelayLevels.ExchangeName(_options.DelayExchangePrefix, DelayLevels.Count - 1),
                DelayLevels.RoutingKey(steps, queue),
                properties,
                body,
                taskName,
                canLeaveHeld,
                cancellationToken);

    /// <summary>
    /// An await that always continues on the thread pool's global queue. Not <c>Task.Yield</c>, which would post to a
    /// caller's <see cref="SynchronizationContext"/> if every await before it had completed at once; not
    /// <c>ConfigureAwaitOptions.ForceYielding</c>, which prefers the current thread's own queue: measured, phase d was then as
    /// without the hop (0.90x of raw, 2,050 B per task, against 1.02x and 0.95x, 1,495 B with this).
    /// </summary>
    private readonly struct ThreadPoolHop : ICriticalNotifyCompletion
    {
        public bool IsCompleted => false;

        public ThreadPoolHop GetAwaiter() => this;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) =>
            ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

        public void UnsafeOnCompleted(Action continuation) =>
            ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }
}
