using System;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TaskFlow.Internal;

/// <summary>Which long-lived connection a component uses. Publishing and consuming never share one, so that
/// broker flow control on publishers cannot stall acks.</summary>
internal enum ConnectionRole
{
    Publisher,
    Consumer,
}

/// <summary>One long-lived, automatically recovering AMQP connection per role, opened on first use.</summary>
internal sealed class BrokerConnections : IAsyncDisposable
{
    private readonly TaskFlowOptions _options;
    private readonly ILogger<BrokerConnections> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IConnection?[] _connections = new IConnection?[2];
    private bool _disposed;

    public BrokerConnections(IOptions<TaskFlowOptions> options, ILogger<BrokerConnections> logger)
    {
        _options = options.Value;
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

            var factory = new ConnectionFactory
            {
                Uri = _options.ConnectionUri,
                AutomaticRecoveryEnabled = true,
                TopologyRecoveryEnabled = true,
                NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
                RequestedHeartbeat = TimeSpan.FromSeconds(30),
                ClientProvidedName = $"{ClientName()}:{role.ToString().ToLowerInvariant()}",
            };

            IConnection connection;
            try
            {
                connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or System.Net.Sockets.SocketException)
            {
                throw new TaskPublishException(
                    $"TaskFlow could not connect to RabbitMQ at {Redact(_options.ConnectionUri)}: {ex.InnerException?.Message ?? ex.Message}. " +
                    "Check that the broker is running (scripts/rabbitmq.sh starts one locally) and TaskFlowOptions.ConnectionUri.", ex);
            }

            connection.ConnectionShutdownAsync += OnShutdownAsync;
            connection.RecoverySucceededAsync += OnRecoveredAsync;
            connection.ConnectionBlockedAsync += OnBlockedAsync;
            Log.Connected(_logger, role, Redact(_options.ConnectionUri));
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
                        Log.CloseFailed(_logger, ex);
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

    internal static string Redact(Uri uri)
    {
        var builder = new UriBuilder(uri) { Password = string.Empty, UserName = string.Empty };
        return builder.Uri.ToString();
    }

    private string ClientName() =>
        _options.ClientName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "taskflow";

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            Log.ConnectionLost(_logger, args.ReplyCode, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        Log.ConnectionRecovered(_logger);
        return Task.CompletedTask;
    }

    private Task OnBlockedAsync(object sender, ConnectionBlockedEventArgs args)
    {
        Log.ConnectionBlocked(_logger, args.Reason);
        return Task.CompletedTask;
    }
}
