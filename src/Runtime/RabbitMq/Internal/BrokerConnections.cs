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
    // Per role: completed when the connection recovers, replaced by a pending one when it drops (see WhenRecovered).
    private readonly TaskCompletionSource[] _recovered = [NewSignal(), NewSignal()];
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

            connection.ConnectionShutdownAsync += (sender, args) => OnShutdownAsync(role, args);
            connection.RecoverySucceededAsync += (sender, args) => OnRecoveredAsync(role);
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

    /// <summary>
    /// Completes when the connection of <paramref name="role"/>, down now, has recovered; never when it is open or was
    /// never opened (nothing to wait for: the caller's own delay applies). Lets a consumer that could not start because
    /// its connection dropped start again the moment recovery succeeds instead of after a fixed back-off.
    /// </summary>
    public Task WhenRecovered(ConnectionRole role)
    {
        var connection = Existing(role);
        if (connection is null || connection.IsOpen)
        {
            return Never.Task;
        }

        // Down: the pending signal the drop put in place (or, right at the drop, the last completed one: one more try).
        return Volatile.Read(ref _recovered[(int)role]).Task;
    }

    private static readonly TaskCompletionSource Never = new();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task OnShutdownAsync(ConnectionRole role, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            RabbitMqLog.ConnectionLost(_logger, args.ReplyCode, args.ReplyText);
            var current = Volatile.Read(ref _recovered[(int)role]);
            if (current.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _recovered[(int)role], NewSignal(), current);
            }
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(ConnectionRole role)
    {
        RabbitMqLog.ConnectionRecovered(_logger);
        Volatile.Read(ref _recovered[(int)role]).TrySetResult();
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
