using System;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;
using TaskFlow.TestSupport;

namespace TaskFlow.Cli.Tests;

/// <summary>
/// An application of one test: client, state store in a schema of its own, and a worker on a queue of its own (quorum, as
/// TaskFlow declares by default) on the real broker. Disposing stops it, deletes its queues and drops the schema.
/// </summary>
public sealed class CliHost : IAsyncDisposable
{
    private static readonly Lazy<NpgsqlDataSource> DataSource = new(() => NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString));
    private readonly IHost _host;

    private CliHost(IHost host, string schema, string queue, string workerName, WarningLog warnings)
    {
        _host = host;
        Warnings = warnings;
        Schema = schema;
        Queue = queue;
        WorkerName = workerName;
    }

    public string Schema { get; }

    /// <summary>The queue the worker consumes.</summary>
    public string Queue { get; }

    public string WorkerName { get; }

    /// <summary>The last warnings and errors the host logged (for a failed test's diagnosis).</summary>
    public WarningLog Warnings { get; }

    public ITaskStateStore Store => _host.Services.GetRequiredService<ITaskStateStore>();

    public CliTasks.Client Tasks => _host.Services.GetRequiredService<CliTasks.Client>();

    public static async Task<CliHost> StartAsync(int concurrency = 32)
    {
        var schema = "tf_cli_" + Guid.NewGuid().ToString("N")[..10];
        var queue = "tf-cli-" + Guid.NewGuid().ToString("N")[..10];
        var workerName = "cli-test-" + Guid.NewGuid().ToString("N")[..6];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var warnings = new WarningLog();
        builder.Logging.AddProvider(warnings);
        builder.Services.AddTaskFlow()
            .UseRabbitMq(o => o.ConnectionUri = TestEnvironment.BrokerUri)
            .AddTaskFlowCliTestsTasks()
            .AddStateStore(o =>
            {
                o.UsePostgreSql(DataSource.Value);
                o.Schema = schema;
                o.CleanupInterval = TimeSpan.Zero;
                o.WorkerHeartbeatInterval = TimeSpan.FromSeconds(1);
            })
            .AddWorker(w =>
            {
                w.AddQueue(queue, concurrency: concurrency, prefetch: concurrency * 4);
                w.WorkerName = workerName;
                w.ShutdownGracePeriod = TimeSpan.FromSeconds(2);
            });
        var host = builder.Build();
        var result = new CliHost(host, schema, queue, workerName, warnings);
        await result.Store.ApplySchemaAsync();
        await host.StartAsync();
        await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
        return result;
    }

    /// <summary>Options sending to <paramref name="queue"/> (default: the worker's).</summary>
    public SendOptions Options(string? queue = null, string? entityKey = null) => new() { Queue = queue ?? Queue, EntityKey = entityKey };

    /// <summary>Ready messages in <paramref name="queue"/> (passive declare).</summary>
    public static async Task<uint> CountAsync(string queue) => (await StatsAsync(queue)).Messages;

    /// <summary>Ready messages and consumers of <paramref name="queue"/> (passive declare).</summary>
    public static async Task<(uint Messages, uint Consumers)> StatsAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        return (ok.MessageCount, ok.ConsumerCount);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _host.StopAsync(stop.Token);
        }
        finally
        {
            _host.Dispose();
            await DeleteQueuesAsync(Queue);
            await using var connection = await DataSource.Value.OpenConnectionAsync();
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
        }
    }

    public static async Task DeleteQueuesAsync(string queue)
    {
        try
        {
            await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + ".dead");
        }
        catch (Exception)
        {
            // best effort
        }
    }

    /// <summary>Keeps the last 200 warnings and errors logged, each with its category and exception.</summary>
    public sealed class WarningLog : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public System.Collections.Generic.IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(WarningLog owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Warning)
                {
                    while (owner._lines.Count >= 200 && owner._lines.TryDequeue(out _))
                    {
                    }

                    owner._lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
                }
            }
        }
    }
}
