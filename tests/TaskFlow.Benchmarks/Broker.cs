using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.Benchmarks;

/// <summary>Names and housekeeping shared by both sides: one exchange pair per harness run, one queue per side, phase and run.</summary>
internal sealed class Broker : IAsyncDisposable
{
    private readonly List<string> _queues = new();
    private IConnection? _admin;

    public Broker(Uri uri)
        : this(uri, "bench-" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6])
    {
    }

    /// <summary>The names of an existing harness run (a scale worker process uses its parent's).</summary>
    public Broker(Uri uri, string runId)
    {
        Uri = uri;
        RunId = runId;
    }

    public Uri Uri { get; }

    public string RunId { get; }

    /// <summary>The direct exchange both sides publish to (RabbitMqOptions.ExchangeName for TaskFlow).</summary>
    public string Exchange => RunId + ".x";

    public string DeadLetterExchange => RunId + ".dlx";

    /// <summary>RabbitMqOptions.DelayExchangePrefix: TaskFlow declares its delay-delivery exchange under it.</summary>
    public string DelayPrefix => RunId + ".delay";

    public const int DeliveryLimit = 20;

    public ConnectionFactory Factory(string name) => new() { Uri = Uri, ClientProvidedName = name };

    /// <summary>A fresh queue name; it and its dead-letter queue are deleted by <see cref="DeleteQueuesAsync"/>.</summary>
    public string NewQueue(string side, char phase, string run)
    {
        var name = $"{RunId}.{side}.{phase}.{run}";
        _queues.Add(name);
        _queues.Add(name + ".dead");
        return name;
    }

    /// <summary>
    /// Declares what TaskFlow would declare for a quorum queue (see docs/topology.md): the same queue
    /// arguments, bound to the same kind of direct exchange with the queue name as routing key.
    /// </summary>
    public async Task DeclareRawQueueAsync(IChannel channel, string queue)
    {
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Direct, durable: true, autoDelete: false).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Direct, durable: true, autoDelete: false).ConfigureAwait(false);
        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-dead-letter-exchange"] = DeadLetterExchange,
            ["x-dead-letter-routing-key"] = queue,
            ["x-delivery-limit"] = DeliveryLimit,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        };
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, Exchange, queue).ConfigureAwait(false);
    }

    public async Task<uint> MessageCountAsync(string queue)
    {
        var channel = await (await AdminAsync().ConfigureAwait(false)).CreateChannelAsync().ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            return await channel.MessageCountAsync(queue).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes every queue handed out so far (one channel per delete: a 404 closes the channel).</summary>
    public async Task DeleteQueuesAsync()
    {
        try
        {
            var connection = await AdminAsync().ConfigureAwait(false);
            foreach (var queue in _queues)
            {
                try
                {
                    var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
                    await using (channel.ConfigureAwait(false))
                    {
                        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
                    }
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    // Never declared (e.g. the raw side has no dead-letter queue).
                }
            }

            _queues.Clear();
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.AlreadyClosedException or System.IO.IOException)
        {
            // The broker is away (restarted by another suite): keep the names, delete them on the next call.
            await ResetAdminAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits until a connection to the broker can be opened.</summary>
    public async Task WaitUntilReachableAsync(TimeSpan limit)
    {
        await ResetAdminAsync().ConfigureAwait(false);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                await AdminAsync().ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                return;
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
        }
    }

    private async Task ResetAdminAsync()
    {
        var admin = _admin;
        _admin = null;
        if (admin is not null)
        {
            try
            {
                await admin.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or System.IO.IOException or TimeoutException or OperationCanceledException)
            {
                // Already gone.
            }

            admin.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DeleteQueuesAsync().ConfigureAwait(false);
        if (_admin is not null)
        {
            foreach (var exchange in new[] { Exchange, DeadLetterExchange, DelayPrefix + ".delivery" })
            {
                try
                {
                    var channel = await _admin.CreateChannelAsync().ConfigureAwait(false);
                    await using (channel.ConfigureAwait(false))
                    {
                        await channel.ExchangeDeleteAsync(exchange, ifUnused: false).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
                {
                    // Not declared, or the broker is away.
                }
            }

            await ResetAdminAsync().ConfigureAwait(false);
        }
    }

    public static string Redact(Uri uri) => new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();

    private async Task<IConnection> AdminAsync() =>
        _admin ??= await Factory("taskflow-bench:admin").CreateConnectionAsync().ConfigureAwait(false);
}
