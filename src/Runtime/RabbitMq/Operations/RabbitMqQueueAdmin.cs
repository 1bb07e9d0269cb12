using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TaskFlow.Protocol;
using TaskFlow.RabbitMq.Internal;

namespace TaskFlow.RabbitMq;

/// <summary>
/// Operations on TaskFlow's queues for people and tools (the <c>taskflow</c> CLI, a dashboard): queue statistics, dead
/// letters (list, re-drive, discard) and purging. Create one from <see cref="RabbitMqOptions"/>, or resolve it from a
/// provider after <c>UseRabbitMq(...)</c>. It opens its own AMQP connection on first use (closed by
/// <see cref="DisposeAsync"/>) and reads the management HTTP API (<see cref="RabbitMqOptions.ManagementUri"/>) where it can.
/// </summary>
/// <remarks>
/// Nothing is lost by any operation interrupted at any point: a dead letter is acked (removed) only after its re-driven
/// copy was confirmed by the broker, and every message an operation took but did not finish with goes back to its queue
/// (at the end, or when the broker closes a dead process's connection). An interrupted re-drive may therefore send a
/// copy twice; with the state store on, only one copy runs (docs/state.md#re-driving-dead-letters). See docs/operations.md.
/// </remarks>
public sealed class RabbitMqQueueAdmin : IAsyncDisposable
{
    /// <summary>The most messages one dead-letter operation examines (AMQP's prefetch limit: they are held unacknowledged while it runs).</summary>
    public const int MaxExamined = ushort.MaxValue;

    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(3);
    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ManagementApi _management;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private bool _disposed;

    /// <summary>Operations on the broker <paramref name="options"/> describe.</summary>
    /// <param name="options">The broker and TaskFlow's names (validated here as at start-up).</param>
    /// <param name="loggerFactory">Where to log (category <c>TaskFlow.RabbitMq</c>); none by default.</param>
    /// <param name="timeProvider">The clock (ages, rates); the system's by default.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message says what to change.</exception>
    public RabbitMqQueueAdmin(RabbitMqOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new RabbitMqOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(RabbitMqOptions), validation.Failures);
        }

        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("TaskFlow.RabbitMq");
        _time = timeProvider ?? TimeProvider.System;
        _management = new ManagementApi(options);
    }

    /// <summary>The management API this reads (configured, or derived from the broker's host).</summary>
    public Uri ManagementUri => _management.BaseUri;

    /// <summary>
    /// Statistics of TaskFlow's queues, or of the named ones. From the management API: every TaskFlow queue of the virtual
    /// host (those that dead-letter to <see cref="RabbitMqOptions.DeadLetterExchangeName"/> or have a dead-letter queue
    /// beside them), ordered by name. Where the API cannot be reached (logged, event 6001), from passive declares: depth and
    /// consumers of the named queues only (<see cref="QueueStats.Source"/> says which).
    /// </summary>
    /// <param name="queues">The queues; <c>null</c> or empty: every TaskFlow queue (needs the management API).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">A named queue does not exist, or no queue was named and the management API cannot be reached.</exception>
    public async Task<IReadOnlyList<QueueStats>> GetQueueStatsAsync(IEnumerable<string>? queues = null, CancellationToken cancellationToken = default)
    {
        var names = queues?.ToList() ?? [];
        List<ManagedQueue> all;
        try
        {
            all = await _management.GetQueuesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            RabbitMqLog.ManagementUnreachable(_logger, _management.BaseUri, ex.Message);
            if (names.Count == 0)
            {
                throw new InvalidOperationException(
                    $"TaskFlow: the RabbitMQ management API at {_management.BaseUri} is not reachable ({ex.Message}), so TaskFlow's queues cannot be listed. " +
                    "Name the queues to get their depth and consumers from AMQP, or enable the management plugin (rabbitmq-plugins enable rabbitmq_management) and set RabbitMqOptions.ManagementUri if it is elsewhere.", ex);
            }

            return await PassiveStatsAsync(names, cancellationToken).ConfigureAwait(false);
        }

        var byName = all.ToDictionary(q => q.Name, StringComparer.Ordinal);
        if (names.Count == 0)
        {
            names = all.Where(q => IsTaskFlowQueue(q, byName)).Select(q => q.Name).Order(StringComparer.Ordinal).ToList();
        }

        var now = _time.GetUtcNow();
        var result = new List<QueueStats>(names.Count);
        foreach (var name in names)
        {
            if (!byName.TryGetValue(name, out var queue))
            {
                throw NotFound(name);
            }

            var deadName = _options.DeadLetterQueueOf(name);
            var dead = byName.GetValueOrDefault(deadName);
            TimeSpan? age = queue.HeadMessageTimestamp is { } head && queue.Ready > 0 ? Max(now - head, TimeSpan.Zero) : null;
            result.Add(new QueueStats(
                name,
                queue.Type,
                queue.Ready,
                queue.Unacknowledged,
                queue.Consumers,
                queue.PublishRate,
                queue.DeliverRate,
                age,
                dead is null ? null : deadName,
                dead?.Ready + dead?.Unacknowledged,
                QueueStatsSource.ManagementApi));
        }

        return result;
    }

    /// <summary>
    /// The ready messages of a queue now, from a passive declare: exact, unlike the management API's figures, which lag
    /// by up to its statistics interval (5 s by default).
    /// </summary>
    /// <exception cref="InvalidOperationException">The queue does not exist.</exception>
    public async Task<long> CountReadyAsync(string queue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var channel = await OpenChannelAsync(null, cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            return await CountAsync(channel, queue, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the dead letters of a queue without removing them: each is taken with a manual-ack consumer and given back
    /// (<c>basic.nack</c> with requeue) when the read ends. At most <see cref="MaxExamined"/> messages are examined, those
    /// in the queue when it starts. On quorum queues each read raises the messages' <c>x-delivery-count</c> on RabbitMQ 3.x
    /// and 4.0-4.2 (docs/operations.md says what that means for RabbitMQ 4's default delivery limit).
    /// </summary>
    /// <param name="queue">The work queue (<c>emails</c>) or its dead-letter queue (<c>emails.dead</c>).</param>
    /// <param name="filter">Which dead letters, and how many (<see cref="DeadLetterFilter.Limit"/>); <c>null</c>: all.</param>
    /// <param name="cancellationToken">Stops the read (the messages go back).</param>
    /// <exception cref="InvalidOperationException">The dead-letter queue does not exist.</exception>
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string queue, DeadLetterFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var (work, dead) = Names(queue);
        filter ??= new DeadLetterFilter();
        var found = new List<DeadLetter>();
        await ScanAsync(dead, filter.Limit, async (drain, total) =>
        {
            for (long examined = 0; examined < total && (filter.Limit is not { } limit || found.Count < limit); examined++)
            {
                if (await drain.NextAsync(IdleWait, cancellationToken).ConfigureAwait(false) is not { } delivery)
                {
                    break;
                }

                var letter = DeadLetterReader.Read(delivery.Properties, delivery.Body, work, dead);
                if (filter.Matches(letter))
                {
                    found.Add(letter);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <summary>
    /// Moves matching dead letters back to their queue to run once more: each is published as it is (body, properties
    /// and headers; only the dead-letter queue's own <c>x-delivery-count</c> is dropped, and the send time is stamped
    /// anew: the AMQP <c>timestamp</c> and <see cref="MessageHeaders.SentAt"/>, the first one kept in
    /// <see cref="MessageHeaders.FirstSentAt"/>) to the task exchange
    /// with its original queue as routing key, <c>mandatory</c> and with publisher confirms (up to
    /// <see cref="DeadLetterMoveOptions.ConfirmWindow"/> in flight), and removed from the dead-letter queue only after its
    /// confirm. One that cannot be published (its queue is gone: unroutable; nacked; no confirm) stays where it is and is
    /// counted as failed (logged, event 6005). Non-matching ones are left untouched.
    /// </summary>
    /// <param name="queue">The work queue or its dead-letter queue.</param>
    /// <param name="filter">Which dead letters; <c>null</c>: all.</param>
    /// <param name="options">Rate, confirm window and progress; <c>null</c>: the defaults.</param>
    /// <param name="cancellationToken">Stops after the publishes in flight are settled; what was not re-driven stays.</param>
    public Task<DeadLetterMoveResult> RedriveDeadLettersAsync(string queue, DeadLetterFilter? filter = null, DeadLetterMoveOptions? options = null, CancellationToken cancellationToken = default) =>
        MoveAsync(queue, filter, options, redrive: true, cancellationToken);

    /// <summary>Removes matching dead letters for good (acks them); the others are left untouched.</summary>
    /// <param name="queue">The work queue or its dead-letter queue.</param>
    /// <param name="filter">Which dead letters; <c>null</c>: all.</param>
    /// <param name="options">Rate and progress (<see cref="DeadLetterMoveOptions.ConfirmWindow"/> does not apply); <c>null</c>: the defaults.</param>
    /// <param name="cancellationToken">Stops; what was not discarded stays.</param>
    public Task<DeadLetterMoveResult> DiscardDeadLettersAsync(string queue, DeadLetterFilter? filter = null, DeadLetterMoveOptions? options = null, CancellationToken cancellationToken = default) =>
        MoveAsync(queue, filter, options, redrive: false, cancellationToken);

    /// <summary>
    /// Empties a queue of its ready messages (those held unacknowledged by workers are not touched). With
    /// <paramref name="beforeAck"/> the queue is drained message by message: each message's task id (header <c>id</c>, else
    /// the correlation id; <c>null</c> for a message without one) is handed to it, e.g. to record the task revoked in the
    /// state store so that its entity lock is released, and the message is removed only after it returned; if it throws,
    /// the purge stops and the messages not yet removed stay. Without it, one AMQP <c>queue.purge</c>.
    /// Only the messages in the queue when the purge starts are drained; ones published meanwhile stay.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <param name="beforeAck">Called for each message before it is removed (up to 16 at once); <c>null</c>: purge at once.</param>
    /// <param name="cancellationToken">Stops; what was not removed stays.</param>
    /// <exception cref="InvalidOperationException">The queue does not exist.</exception>
    public async Task<QueuePurgeResult> PurgeAsync(string queue, Func<string?, CancellationToken, Task>? beforeAck = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        if (beforeAck is null)
        {
            var channel = await OpenChannelAsync(null, cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                await CountAsync(channel, queue, cancellationToken).ConfigureAwait(false);
                var purged = await channel.QueuePurgeAsync(queue, cancellationToken).ConfigureAwait(false);
                var left = (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
                RabbitMqLog.Purged(_logger, queue, purged, false);
                return new QueuePurgeResult(queue, purged, Drained: false, left);
            }
        }

        long done = 0;
        using var parallel = new SemaphoreSlim(16, 16);
        var failures = new List<Exception>();
        var remaining = await ScanAsync(queue, limit: null, async (drain, total) =>
        {
            var running = new List<Task>();
            for (long examined = 0; examined < total; examined++)
            {
                lock (failures)
                {
                    if (failures.Count > 0)
                    {
                        break;
                    }
                }

                if (await drain.NextAsync(IdleWait, cancellationToken).ConfigureAwait(false) is not { } delivery)
                {
                    break;
                }

                await parallel.WaitAsync(cancellationToken).ConfigureAwait(false);
                running.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            await beforeAck(TaskIdOf(delivery), cancellationToken).ConfigureAwait(false);
                            await drain.AckAsync(delivery.Tag, cancellationToken).ConfigureAwait(false);
                            Interlocked.Increment(ref done);
                        }
                        catch (Exception ex)
                        {
                            lock (failures)
                            {
                                failures.Add(ex);
                            }
                        }
                        finally
                        {
                            parallel.Release();
                        }
                    },
                    CancellationToken.None));
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        RabbitMqLog.Purged(_logger, queue, done, true);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException(
                $"TaskFlow: purging queue '{queue}' stopped after {done} messages: {failures[0].Message} The messages not purged are still in the queue.",
                failures[0]);
        }

        return new QueuePurgeResult(queue, done, Drained: true, remaining);
    }

    /// <summary>
    /// Empties a queue of its ready messages in batches: the queue is drained <paramref name="batchSize"/> messages at a
    /// time, the batch's task ids (header <c>id</c>, else the correlation id; messages without one are left out of the
    /// list but purged) are handed to <paramref name="beforeAckBatch"/>, e.g. to record them revoked in the state store
    /// in one statement, and the batch's messages are removed (one <c>basic.ack</c>) only after it returned. If it throws,
    /// the purge stops and the messages of that batch and after it stay. Only the messages in the queue when the purge
    /// starts are drained (those held unacknowledged by workers are not touched); ones published meanwhile stay.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <param name="beforeAckBatch">Called for each batch before its messages are removed, one batch at a time.</param>
    /// <param name="batchSize">Messages per batch (1 to <see cref="MaxExamined"/>), e.g. 500.</param>
    /// <param name="cancellationToken">Stops; what was not removed stays.</param>
    /// <exception cref="InvalidOperationException">The queue does not exist, or <paramref name="beforeAckBatch"/> failed (the inner exception).</exception>
    public async Task<QueuePurgeResult> PurgeAsync(string queue, Func<IReadOnlyList<string>, CancellationToken, Task> beforeAckBatch, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(beforeAckBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, MaxExamined);
        long done = 0;
        var remaining = await ScanAsync(queue, limit: null, async (drain, total) =>
        {
            var batch = new List<Delivery>(batchSize);
            var ids = new List<string>(batchSize);
            long examined = 0;
            var idle = false;
            while (!idle && examined < total)
            {
                batch.Clear();
                ids.Clear();
                while (batch.Count < batchSize && examined < total)
                {
                    if (await drain.NextAsync(IdleWait, cancellationToken).ConfigureAwait(false) is not { } delivery)
                    {
                        idle = true;
                        break;
                    }

                    examined++;
                    batch.Add(delivery);
                    if (TaskIdOf(delivery) is { } id)
                    {
                        ids.Add(id);
                    }
                }

                if (batch.Count == 0)
                {
                    break;
                }

                try
                {
                    await beforeAckBatch(ids, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    RabbitMqLog.Purged(_logger, queue, done, true);
                    throw new InvalidOperationException(
                        $"TaskFlow: purging queue '{queue}' stopped after {done} messages: {ex.Message} The messages not purged are still in the queue.", ex);
                }

                // Deliveries come in tag order and every earlier batch is acked: one multiple ack removes exactly this batch.
                await drain.AckThroughAsync(batch[^1].Tag, cancellationToken).ConfigureAwait(false);
                done += batch.Count;
            }
        }, cancellationToken).ConfigureAwait(false);

        RabbitMqLog.Purged(_logger, queue, done, true);
        return new QueuePurgeResult(queue, done, Drained: true, remaining);
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _management.Dispose();
            if (_connection is { } connection)
            {
                try
                {
                    await connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    RabbitMqLog.CloseFailed(_logger, ex);
                }

                connection.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DeadLetterMoveResult> MoveAsync(string queue, DeadLetterFilter? filter, DeadLetterMoveOptions? options, bool redrive, CancellationToken cancellationToken)
    {
        var (work, dead) = Names(queue);
        filter ??= new DeadLetterFilter();
        options ??= new DeadLetterMoveOptions();
        if (options.ConfirmWindow is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ConfirmWindow, "DeadLetterMoveOptions.ConfirmWindow must be 1-10000.");
        }

        if (options.MaxPerSecond is { } rate && !(rate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rate, "DeadLetterMoveOptions.MaxPerSecond must be positive (or null: no limit).");
        }

        long examined = 0, matched = 0, done = 0, failed = 0, total = 0;
        void Report() => options.Progress?.Report(new DeadLetterProgress(total, Interlocked.Read(ref examined), Interlocked.Read(ref done), Interlocked.Read(ref failed)));

        IChannel? publisher = null;
        try
        {
            if (redrive)
            {
                publisher = await OpenChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null), cancellationToken).ConfigureAwait(false);
            }

            var remaining = await ScanAsync(dead, limit: null, async (drain, count) =>
            {
                total = count;
                using var window = new SemaphoreSlim(options.ConfirmWindow, options.ConfirmWindow);
                var inFlight = new List<Task>();
                var started = _time.GetTimestamp();
                Report();
                while (Interlocked.Read(ref examined) < count && (filter.Limit is not { } limit || matched < limit))
                {
                    if (await drain.NextAsync(IdleWait, cancellationToken).ConfigureAwait(false) is not { } delivery)
                    {
                        break;
                    }

                    Interlocked.Increment(ref examined);
                    var letter = DeadLetterReader.Read(delivery.Properties, delivery.Body, work, dead);
                    if (!filter.Matches(letter))
                    {
                        continue;
                    }

                    matched++;
                    if (options.MaxPerSecond is { } perSecond)
                    {
                        var due = TimeSpan.FromSeconds((matched - 1) / perSecond) - _time.GetElapsedTime(started);
                        if (due > TimeSpan.Zero)
                        {
                            await Task.Delay(due, _time, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    if (publisher is null)
                    {
                        await drain.AckAsync(delivery.Tag, cancellationToken).ConfigureAwait(false);
                        Interlocked.Increment(ref done);
                    }
                    else
                    {
                        await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                        inFlight.Add(RedriveOneAsync(publisher, drain, delivery, letter, window, () => Interlocked.Increment(ref done), () => Interlocked.Increment(ref failed)));
                    }

                    if (matched % 100 == 0)
                    {
                        inFlight.RemoveAll(t => t.IsCompleted);
                        Report();
                    }
                }

                await Task.WhenAll(inFlight).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            Report();
            if (redrive)
            {
                RabbitMqLog.Redriven(_logger, dead, done, matched, failed, examined);
            }
            else
            {
                RabbitMqLog.Discarded(_logger, dead, done, examined);
            }

            return new DeadLetterMoveResult(dead, examined, matched, done, failed, remaining);
        }
        finally
        {
            if (publisher is not null)
            {
                await CloseQuietlyAsync(publisher).ConfigureAwait(false);
            }
        }
    }

    private async Task RedriveOneAsync(IChannel publisher, QueueDrain drain, Delivery delivery, DeadLetter letter, SemaphoreSlim window, Action done, Action failed)
    {
        try
        {
            var properties = new BasicProperties(delivery.Properties);
            var copy = delivery.Properties.Headers is { } headers
                ? new Dictionary<string, object?>(headers, StringComparer.Ordinal)
                : new Dictionary<string, object?>(StringComparer.Ordinal);
            copy.Remove(MessageHeaders.DeliveryCount);
            copy.Remove(MessageHeaders.PublishSequenceNumber);
            properties.Headers = copy;

            // Due now: the queue wait and the oldest-message age measure the re-drive, not the dead-lettering (the first
            // send stays in x-taskflow-first-sent-at).
            SendTime.Stamp(properties, _time.GetUtcNow());

            using var timeout = new CancellationTokenSource(_options.PublishTimeout, _time);
            await publisher.BasicPublishAsync(_options.ExchangeName, letter.Queue, mandatory: true, properties, delivery.Body, timeout.Token).ConfigureAwait(false);
            await drain.AckAsync(delivery.Tag, CancellationToken.None).ConfigureAwait(false);
            done();
        }
        catch (Exception ex) when (ex is PublishException or OperationCanceledException or AlreadyClosedException or OperationInterruptedException)
        {
            var reason = ex is PublishException { IsReturn: true }
                ? $"unroutable: no queue '{letter.Queue}' is bound to exchange '{_options.ExchangeName}'"
                : ex is OperationCanceledException ? $"no confirm within {_options.PublishTimeout}" : ex.Message;
            RabbitMqLog.RedriveFailed(_logger, letter.TaskId, letter.DeadLetterQueue, letter.Queue, reason);
            failed();
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> over a drain of <paramref name="queue"/> with the count of its ready messages (capped
    /// at <see cref="MaxExamined"/>), then returns what was not acked to the queue and the ready messages left.
    /// </summary>
    private async Task<long> ScanAsync(string queue, int? limit, Func<QueueDrain, long, Task> work, CancellationToken cancellationToken)
    {
        var channel = await OpenChannelAsync(null, cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            var count = await CountAsync(channel, queue, cancellationToken).ConfigureAwait(false);
            if (count > MaxExamined)
            {
                RabbitMqLog.ScanCapped(_logger, queue, count, MaxExamined);
                count = MaxExamined;
            }

            if (count > 0 && limit is not 0)
            {
                var drain = await QueueDrain.StartAsync(channel, queue, (ushort)count, cancellationToken).ConfigureAwait(false);
                try
                {
                    await work(drain, count).ConfigureAwait(false);
                }
                finally
                {
                    await drain.ReturnRestAsync().ConfigureAwait(false);
                }
            }

            try
            {
                return (await channel.QueueDeclarePassiveAsync(queue, CancellationToken.None).ConfigureAwait(false)).MessageCount;
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException)
            {
                return -1;
            }
        }
    }

    private async Task<List<QueueStats>> PassiveStatsAsync(List<string> names, CancellationToken cancellationToken)
    {
        var result = new List<QueueStats>(names.Count);
        foreach (var name in names)
        {
            var channel = await OpenChannelAsync(null, cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                var queue = await PassiveAsync(channel, name, cancellationToken).ConfigureAwait(false) ?? throw NotFound(name);
                var deadName = _options.DeadLetterQueueOf(name);
                var deadChannel = await OpenChannelAsync(null, cancellationToken).ConfigureAwait(false);
                QueueDeclareOk? dead;
                await using (deadChannel.ConfigureAwait(false))
                {
                    dead = await PassiveAsync(deadChannel, deadName, cancellationToken).ConfigureAwait(false);
                }

                result.Add(new QueueStats(name, null, queue.MessageCount, null, queue.ConsumerCount, null, null, null, dead is null ? null : deadName, dead?.MessageCount, QueueStatsSource.PassiveDeclare));
            }
        }

        return result;
    }

    private static async Task<QueueDeclareOk?> PassiveAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private static async Task<uint> CountAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            throw NotFound(queue);
        }
    }

    /// <summary>A message's task id: header <c>id</c>, else the correlation id; <c>null</c> when it has neither.</summary>
    private static string? TaskIdOf(Delivery delivery) =>
        (delivery.Properties.Headers is { } headers && headers.TryGetValue(MessageHeaders.Id, out var raw) ? DeadLetterReader.Text(raw) : delivery.Properties.CorrelationId) is { Length: > 0 } id ? id : null;

    private static InvalidOperationException NotFound(string queue) =>
        new($"TaskFlow: queue '{queue}' does not exist on the broker. Check the name (`taskflow queues` lists TaskFlow's queues) and the virtual host in RabbitMqOptions.ConnectionUri.");

    private (string Work, string Dead) Names(string queue)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var suffix = _options.DeadLetterQueueSuffix;
        return queue.EndsWith(suffix, StringComparison.Ordinal) && queue.Length > suffix.Length
            ? (queue[..^suffix.Length], queue)
            : (queue, _options.DeadLetterQueueOf(queue));
    }

    private bool IsTaskFlowQueue(ManagedQueue queue, Dictionary<string, ManagedQueue> all) =>
        !queue.Name.EndsWith(_options.DeadLetterQueueSuffix, StringComparison.Ordinal)
        && !queue.Name.StartsWith(_options.DelayExchangePrefix + ".", StringComparison.Ordinal)
        && (string.Equals(queue.DeadLetterExchange, _options.DeadLetterExchangeName, StringComparison.Ordinal) || all.ContainsKey(_options.DeadLetterQueueOf(queue.Name)));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task<IChannel> OpenChannelAsync(CreateChannelOptions? options, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsOpen: true } existing)
            {
                return existing;
            }

            _connection?.Dispose();
            var name = (_options.ClientName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "taskflow") + ":admin";
            try
            {
                _connection = await BrokerEndpoints.Factory(_options).CreateConnectionAsync(BrokerEndpoints.Of(_options), name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or System.Net.Sockets.SocketException)
            {
                throw new InvalidOperationException(
                    $"TaskFlow could not connect to RabbitMQ at {BrokerEndpoints.Describe(_options)}: {ex.InnerException?.Message ?? ex.Message}. " +
                    "Check that the broker is running and RabbitMqOptions (ConnectionUri, Endpoints, UserName/Password, Tls).", ex);
            }

            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            if (channel.IsOpen)
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            RabbitMqLog.CloseFailed(_logger, ex);
        }

        channel.Dispose();
    }
}
