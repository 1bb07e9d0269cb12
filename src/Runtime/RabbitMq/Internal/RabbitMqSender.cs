using System;
using System.Threading;
using System.Threading.Tasks;
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

    public ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
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

        return RouteAsync(envelope.Queue, properties, envelope.Body, envelope.Eta, envelope.TaskName, cancellationToken);
    }

    /// <summary>Publishes to <paramref name="queue"/> now, or through the delay levels when <paramref name="eta"/> is in the future.</summary>
    public async ValueTask RouteAsync(string queue, BasicProperties properties, ReadOnlyMemory<byte> body, DateTimeOffset? eta, string taskName, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var steps = eta is { } due ? DelayLevels.Steps(due - now) : 0;
        SendTime.Stamp(properties, steps == 0 ? now : eta!.Value);
        await _declarer.EnsureAsync(queue, steps > 0, taskName, cancellationToken, properties.CorrelationId).ConfigureAwait(false);
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
}
