using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>A dead-lettered or peeked message, with string headers decoded from UTF-8.</summary>
internal sealed record RawMessage(string Exchange, string RoutingKey, string? CorrelationId, string? ContentType, IReadOnlyDictionary<string, object?> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>Direct broker access for assertions and clean-up, on a connection of its own.</summary>
internal sealed class BrokerAdmin : IAsyncDisposable
{
    private readonly IConnection _connection;

    private BrokerAdmin(IConnection connection)
    {
        _connection = connection;
    }

    public static async Task<BrokerAdmin> ConnectAsync()
    {
        var factory = new ConnectionFactory { Uri = InteropEnvironment.BrokerUri, AutomaticRecoveryEnabled = true, NetworkRecoveryInterval = TimeSpan.FromSeconds(1) };
        return new BrokerAdmin(await factory.CreateConnectionAsync("taskflow-interop-admin"));
    }

    /// <summary>Polls <paramref name="queue"/> until a message arrives (it is acked: taken off the queue).</summary>
    public async Task<RawMessage> GetAsync(string queue, TimeSpan timeout)
    {
        await using var channel = await _connection.CreateChannelAsync();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var result = await channel.BasicGetAsync(queue, autoAck: true);
            if (result is not null)
            {
                var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (result.BasicProperties.Headers is { } raw)
                {
                    foreach (var (key, value) in raw)
                    {
                        headers[key] = Decode(value);
                    }
                }

                return new RawMessage(result.Exchange, result.RoutingKey, result.BasicProperties.CorrelationId, result.BasicProperties.ContentType, headers, Encoding.UTF8.GetString(result.Body.Span));
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"No message arrived in queue '{queue}' within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>How many ready messages <paramref name="queue"/> holds.</summary>
    public async Task<uint> CountAsync(string queue)
    {
        await using var channel = await _connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Whether <paramref name="queue"/> exists (passive declare).</summary>
    public async Task<bool> QueueExistsAsync(string queue)
    {
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="exchange"/> exists (passive declare).</summary>
    public async Task<bool> ExchangeExistsAsync(string exchange)
    {
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            await channel.ExchangeDeclarePassiveAsync(exchange);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    /// <summary>The first message that arrives in <paramref name="queue"/> within <paramref name="window"/>, or null.</summary>
    public async Task<RawMessage?> TryGetWithinAsync(string queue, TimeSpan window)
    {
        try
        {
            return await GetAsync(queue, window);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Deletes the test's queues and exchanges; errors are collected, not thrown, so that clean-up never hides a test failure.</summary>
    public async Task<IReadOnlyList<string>> DeleteAsync(InteropTopology topology)
    {
        var problems = new List<string>();
        foreach (var queue in new[] { topology.Queue, topology.DeadLetterQueue, topology.DelayExchangePrefix + ".unroutable" })
        {
            await TryAsync(problems, $"delete queue {queue}", channel => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false));
        }

        foreach (var exchange in new[] { topology.Exchange, topology.DeadLetterExchange, topology.DelayExchangePrefix + ".delivery", topology.DelayExchangePrefix + ".unroutable" })
        {
            await TryAsync(problems, $"delete exchange {exchange}", channel => channel.ExchangeDeleteAsync(exchange, ifUnused: false));
        }

        // The delay levels exist only if the test sent or deferred a delayed task; each level is an exchange and a quorum queue.
        if (await DelayLevelsMayExistAsync(topology))
        {
            for (var level = 0; level < 28; level++)
            {
                var name = $"{topology.DelayExchangePrefix}.{level:00}";
                await TryAsync(problems, $"delete delay queue {name}", channel => channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false));
                await TryAsync(problems, $"delete delay exchange {name}", channel => channel.ExchangeDeleteAsync(name, ifUnused: false));
            }
        }

        return problems;
    }

    private async Task<bool> DelayLevelsMayExistAsync(InteropTopology topology)
    {
        try
        {
            return await ExchangeExistsAsync(topology.DelayExchangePrefix + ".00");
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
        {
            return true; // cannot tell: try to delete them
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _connection.CloseAsync();
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or TimeoutException)
        {
            // Already gone (e.g. the broker restarted): nothing to close.
        }

        _connection.Dispose();
    }

    private async Task TryAsync(List<string> problems, string what, Func<IChannel, Task> action)
    {
        // A broker restarted by another test run closes the connection; automatic recovery reopens it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A channel per operation: a channel error closes the channel.
                await using var channel = await _connection.CreateChannelAsync();
                await action(channel);
                return;
            }
            catch (Exception) when (!_connection.IsOpen && attempt < 10)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex)
            {
                problems.Add($"{what}: {ex.Message}");
                return;
            }
        }
    }

    private static object? Decode(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IList<object?> list => list.ConvertAll(Decode),
        _ => value,
    };
}

internal static class ListExtensions
{
    public static List<object?> ConvertAll(this IList<object?> list, Func<object?, object?> convert)
    {
        var result = new List<object?>(list.Count);
        foreach (var item in list)
        {
            result.Add(convert(item));
        }

        return result;
    }
}
