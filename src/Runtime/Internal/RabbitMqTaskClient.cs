using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Protocol;

namespace TaskFlow.Internal;

/// <summary>Sends tasks to RabbitMQ: Celery protocol v2 envelope, persistent, mandatory, confirmed.</summary>
internal sealed class RabbitMqTaskClient : ITaskClient
{
    private readonly ConfirmedPublisher _publisher;
    private readonly TopologyDeclarer _declarer;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RabbitMqTaskClient> _logger;

    public RabbitMqTaskClient(ConfirmedPublisher publisher, TopologyDeclarer declarer, IOptions<TaskFlowOptions> options, TimeProvider time, ILogger<RabbitMqTaskClient> logger)
    {
        _publisher = publisher;
        _declarer = declarer;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<TaskHandle> EnqueueAsync<TArguments>(TaskDescriptor task, TArguments arguments, TaskOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArguments
    {
        ArgumentNullException.ThrowIfNull(task);
        DelaySupport.ThrowIfDelayed(task, options);
        var envelope = TaskEnvelope.Create(task, arguments, options, _options, _time.GetUtcNow(), Origin.Value);
        if (_options.DeclareTopology)
        {
            await _declarer.EnsureQueueAsync(envelope.Queue, cancellationToken).ConfigureAwait(false);
        }

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

        await _publisher.PublishAsync(_options.ExchangeName, envelope.Queue, properties, envelope.Body, task.Name, cancellationToken).ConfigureAwait(false);
        Log.TaskSent(_logger, task.Name, envelope.Id, envelope.Queue);
        return new TaskHandle(envelope.Id, envelope.TaskName, envelope.Queue);
    }
}

/// <summary>Declares a queue's topology once per process on a short-lived channel (declare errors close channels).</summary>
internal sealed class TopologyDeclarer : IDisposable
{
    private readonly BrokerConnections _connections;
    private readonly Topology _topology;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public TopologyDeclarer(BrokerConnections connections, Topology topology)
    {
        _connections = connections;
        _topology = topology;
    }

    public void Dispose() => _gate.Dispose();

    public async ValueTask EnsureQueueAsync(string queue, CancellationToken cancellationToken)
    {
        if (_topology.IsDeclared(queue))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_topology.IsDeclared(queue))
            {
                return;
            }

            var connection = await _connections.GetAsync(ConnectionRole.Publisher, cancellationToken).ConfigureAwait(false);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                await _topology.DeclareQueueAsync(channel, queue, cancellationToken).ConfigureAwait(false);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
            {
                throw new InvalidOperationException(
                    $"TaskFlow: queue '{queue}' exists with other arguments than TaskFlow declares ({ex.ShutdownReason.ReplyText}). " +
                    "Delete it or make TaskFlowOptions (QueueType, QueueTypes, DeliveryLimit, DeadLetterExchangeName) match it.", ex);
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

/// <summary>Delays (countdown/ETA) need the delay levels of the delivery-guarantees work; until then they are refused, never run early.</summary>
internal static class DelaySupport
{
    public static void ThrowIfDelayed(TaskDescriptor task, TaskOptions? options)
    {
        if (options is { Countdown: not null } or { Eta: not null })
        {
            throw new NotSupportedException(
                $"TaskFlow: task '{task.Name}' was sent with a countdown/ETA, which this version does not support yet " +
                "(delays are delivered through broker-side delay levels, not held in worker memory; see docs/architecture.md). Send it without a delay.");
        }
    }
}
