using System;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>One long-lived, automatically recovering AMQP connection per role, opened on first use, to the first
/// endpoint of <see cref="RabbitMqOptions.Endpoints"/> that answers (recovery may move to another).</summary>
internal sealed class BrokerConnections : IAsyncDisposable
{
    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IConnection?[] _connections = new IConnection?[2];
    private bool _disposed;
    private volatile string? _blockedReason;

    public BrokerConnections(RabbitMqOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public async ValueTask<IConnection> GetAsync(ConnectionRole role, CancellationToken cancellationToken)
    {
        var existing = Volatile.Read(ref _connections[(int)role]);
        if (existing is not null)
        {
            return existing;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            existing = _connections[(int)role];
            if (existing is not null)
            {
                return existing;
            }

            var factory = BrokerEndpoints.Factory(_options);
            IConnection connection;
            try
            {
                connection = await factory.CreateConnectionAsync(BrokerEndpoints.Of(_options), $"{ClientName()}:{role.ToString().ToLowerInvariant()}", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or System.Net.Sockets.SocketException)
            {
                throw new TaskPublishException(
                    $"TaskFlow could not connect to RabbitMQ at {BrokerEndpoints.Describe(_options)}: {ex.InnerException?.Message ?? ex.Message}. " +
                    "Check that the broker is running and reachable from here, and the settings TaskFlow:RabbitMq (RabbitMqOptions: ConnectionUri, Endpoints, UserName/Password, Tls).", ex);
            }

            connection.ConnectionShutdownAsync += OnShutdownAsync;
            connection.RecoverySucceededAsync += OnRecoveredAsync;
            connection.ConnectionBlockedAsync += OnBlockedAsync;
            connection.ConnectionUnblockedAsync += OnUnblockedAsync;
            RabbitMqLog.Connected(_logger, role, connection.Endpoint.ToString());
            Volatile.Write(ref _connections[(int)role], connection);
            return connection;
        }
        finally
        {
            _gate.Release();
        }
    }

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
            foreach (var connection in _connections)
            {
                if (connection is not null)
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
        }
        finally
        {
            _gate.Release();
        }
    }

    private string ClientName() =>
        _options.ClientName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "taskflow";

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            RabbitMqLog.ConnectionLost(_logger, args.ReplyCode, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        RabbitMqLog.ConnectionRecovered(_logger);
        return Task.CompletedTask;
    }

    /// <summary>Why the broker blocks this client's publishers now (a memory or disk alarm), or <c>null</c>.</summary>
    public string? BlockedReason => _blockedReason;

    /// <summary>The connection of <paramref name="role"/> if one was opened, without opening it.</summary>
    public IConnection? Existing(ConnectionRole role) => Volatile.Read(ref _connections[(int)role]);

    private Task OnUnblockedAsync(object sender, AsyncEventArgs args)
    {
        _blockedReason = null;
        RabbitMqLog.ConnectionUnblocked(_logger);
        return Task.CompletedTask;
    }

    private Task OnBlockedAsync(object sender, ConnectionBlockedEventArgs args)
    {
        _blockedReason = args.Reason;
        RabbitMqLog.ConnectionBlocked(_logger, args.Reason);
        return Task.CompletedTask;
    }
}
