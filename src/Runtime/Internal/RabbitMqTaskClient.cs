using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Protocol;
using TaskFlow.State;

namespace TaskFlow.Internal;

/// <summary>Sends tasks to RabbitMQ: Celery protocol v2 envelope, persistent, mandatory, confirmed; delayed ones through the delay levels.</summary>
internal sealed class RabbitMqTaskClient : ITaskClient
{
    private readonly MessageRouter _router;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RabbitMqTaskClient> _logger;
    private readonly TaskStateStore? _store;

    public RabbitMqTaskClient(MessageRouter router, IOptions<TaskFlowOptions> options, TimeProvider time, ILogger<RabbitMqTaskClient> logger, TaskStateStore? store = null)
    {
        _router = router;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _store = store;
    }

    public async ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDescriptor task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        ArgumentNullException.ThrowIfNull(task);
        var envelope = TaskEnvelope.Create(task, arguments, options, _options, _time.GetUtcNow(), Origin.Value);
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            ContentEncoding = "utf-8",
            DeliveryMode = DeliveryModes.Persistent,
            CorrelationId = envelope.Id,
            Headers = envelope.Headers!,
        };
        if (envelope.Priority is { } priority)
        {
            properties.Priority = priority;
        }

        if (_store is not { } store)
        {
            await _router.SendAsync(envelope.Queue, properties, envelope.Body, envelope.Eta, task.Name, cancellationToken).ConfigureAwait(false);
            Log.TaskSent(_logger, task.Name, envelope.Id, envelope.Queue);
            return new TaskHandle(envelope.Id, envelope.TaskName, envelope.Queue);
        }

        var entityKey = options?.EntityKey;
        if (entityKey is not null)
        {
            // Recorded (and checked against entity leases) before it is sent: revoke-by-key and locks must see it.
            var pending = store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: entityKey);
            await store.Database.Leases.RecordPendingAsync(pending, cancellationToken).ConfigureAwait(false);
            try
            {
                await _router.SendAsync(envelope.Queue, properties, envelope.Body, envelope.Eta, task.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not sent: the pending record must not hold the entity.
                await store.Writer.WriteAsync(store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Failed, error: "not sent: " + TaskStateStore.Summary(ex)), durable: true, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        else
        {
            await _router.SendAsync(envelope.Queue, properties, envelope.Body, envelope.Eta, task.Name, cancellationToken).ConfigureAwait(false);
            if (store.Options.RecordPending && store.Tracks(task.Name))
            {
                // Off the caller's path: batched by the state writer (a final state written first is never moved back).
                await store.Writer.WriteAsync(store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending), durable: false, CancellationToken.None).ConfigureAwait(false);
            }
        }

        Log.TaskSent(_logger, task.Name, envelope.Id, envelope.Queue);
        return store.Attach(new TaskHandle(envelope.Id, envelope.TaskName, envelope.Queue));
    }
}

/// <summary>
/// Routes a message to its queue now, or through the delay levels when it has an ETA in the future.
/// Declares what it needs once per process when <see cref="TaskFlowOptions.DeclareTopology"/> is on.
/// Used for new tasks, retries and early-arriving ETA messages alike.
/// </summary>
internal sealed class MessageRouter : IDisposable
{
    private readonly ConfirmedPublisher _publisher;
    private readonly BrokerConnections _connections;
    private readonly Topology _topology;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public MessageRouter(ConfirmedPublisher publisher, BrokerConnections connections, Topology topology, IOptions<TaskFlowOptions> options, TimeProvider time)
    {
        _publisher = publisher;
        _connections = connections;
        _topology = topology;
        _options = options.Value;
        _time = time;
    }

    public void Dispose() => _gate.Dispose();

    public async ValueTask SendAsync(string queue, BasicProperties properties, ReadOnlyMemory<byte> body, DateTimeOffset? eta, string taskName, CancellationToken cancellationToken)
    {
        var steps = eta is { } due ? DelayLevels.Steps(due - _time.GetUtcNow()) : 0;
        if (_options.DeclareTopology && (!_topology.IsDeclared(queue) || (steps > 0 && !_topology.DelayLevelsDeclared)))
        {
            await _publisher.RetryWhileUnavailableAsync(() => DeclareAsync(queue, steps > 0, cancellationToken), taskName, cancellationToken).ConfigureAwait(false);
        }

        if (steps == 0)
        {
            await _publisher.PublishAsync(_options.ExchangeName, queue, properties, body, taskName, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _publisher.PublishAsync(
                DelayLevels.ExchangeName(_options.DelayExchangePrefix, DelayLevels.Count - 1),
                DelayLevels.RoutingKey(steps, queue),
                properties,
                body,
                taskName,
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask DeclareAsync(string queue, bool delayLevels, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_topology.IsDeclared(queue) && (!delayLevels || _topology.DelayLevelsDeclared))
            {
                return;
            }

            IChannel channel;
            try
            {
                var connection = await _connections.GetAsync(ConnectionRole.Publisher, cancellationToken).ConfigureAwait(false);
                channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TaskPublishException or RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or System.IO.IOException or System.Net.Sockets.SocketException)
            {
                throw new BrokerUnavailableException(ex.Message, ex);
            }

            await using (channel.ConfigureAwait(false))
            {
                try
                {
                    await _topology.DeclareQueueAsync(channel, queue, cancellationToken).ConfigureAwait(false);
                    if (delayLevels)
                    {
                        await _topology.DeclareDelayLevelsAsync(channel, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
                {
                    throw Topology.Mismatch(queue, ex);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Celery's <c>origin</c> header: which process sent the task.</summary>
internal static class Origin
{
    public static readonly string Value = $"gen{Environment.ProcessId}@{Environment.MachineName}";
}
