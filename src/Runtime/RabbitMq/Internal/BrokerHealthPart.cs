using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// The broker part of the <c>taskflow</c> health check: the publishing connection is opened if it was not yet (so a web
/// app that has not sent anything is checked too) and must be open; Degraded while the broker blocks publishers (a
/// memory or disk alarm); the consuming connection, where a worker opened one, must be open too (it recovers by itself:
/// unhealthy until then).
/// </summary>
internal sealed class BrokerHealthPart : ITaskFlowHealthPart
{
    private readonly BrokerConnections _connections;
    private readonly RabbitMqOptions _options;

    public BrokerHealthPart(BrokerConnections connections, RabbitMqOptions options)
    {
        _connections = connections;
        _options = options;
    }

    public string Name => "broker";

    public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var publisher = await _connections.GetAsync(ConnectionRole.Publisher, cancellationToken).ConfigureAwait(false);
        var consumer = _connections.Existing(ConnectionRole.Consumer);
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["endpoint"] = BrokerEndpoints.Describe(_options),
            ["publisher"] = publisher.IsOpen ? "open" : "closed (recovering)",
        };
        if (consumer is not null)
        {
            data["consumer"] = consumer.IsOpen ? "open" : "closed (recovering)";
        }

        if (!publisher.IsOpen || consumer is { IsOpen: false })
        {
            return HealthCheckResult.Unhealthy($"Connection to RabbitMQ at {BrokerEndpoints.Describe(_options)} is down; the client is recovering it.", data: data);
        }

        if (_connections.BlockedReason is { } reason)
        {
            data["blocked"] = reason;
            return HealthCheckResult.Degraded($"RabbitMQ blocks publishing: {reason} (a memory or disk alarm on the broker).", data: data);
        }

        return HealthCheckResult.Healthy($"Connected to RabbitMQ at {BrokerEndpoints.Describe(_options)}.", data);
    }
}
