using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;
using TaskFlow.EfCore.Tests.Shop;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;
using TaskFlow.TestSupport;

namespace TaskFlow.EfCore.Tests;

/// <summary>
/// One test's application: the shop's DbContext and TaskFlow (RabbitMQ, the PostgreSQL state store with its outbox
/// relay, a worker) as an application registers them, in a schema and on a queue of the test's own. Disposing stops it,
/// deletes the queue and drops the schema.
/// </summary>
public sealed class ShopHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly NpgsqlDataSource _dataSource;

    private ShopHost(IHost host, NpgsqlDataSource dataSource, string schema, string queue, SummaryLines summaries)
    {
        _host = host;
        _dataSource = dataSource;
        Schema = schema;
        Queue = queue;
        Summaries = summaries;
    }

    public string Schema { get; }

    public string Queue { get; }

    /// <summary>TaskFlow's summary line of every settled delivery (event 4009).</summary>
    public SummaryLines Summaries { get; }

    public IServiceProvider Services => _host.Services;

    public ITaskStateStore Store => Services.GetRequiredService<ITaskStateStore>();

    public WelcomeEmails Emails => Services.GetRequiredService<WelcomeEmails>();

    public static async Task<ShopHost> StartAsync()
    {
        var schema = "tf_ef_" + Guid.NewGuid().ToString("N")[..12];
        var queue = "tf-efcore-" + Guid.NewGuid().ToString("N")[..10];
        var summaries = new SummaryLines();
        var dataSource = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(summaries);
        builder.Services.AddSingleton(new ShopSchema(schema));
        builder.Services.AddSingleton<WelcomeEmails>();
        builder.Services.AddScoped<CustomerSignup>();
        builder.Services.AddDbContext<ShopDb>(o => o
            .UseNpgsql(dataSource)
            .ReplaceService<IModelCacheKeyFactory, ShopModelCacheKeyFactory>());
        builder.Services.AddTaskFlow(o => o.DefaultQueue = queue)
            .UseRabbitMq(o =>
            {
                o.ConnectionUri = TestEnvironment.BrokerUri;
                o.QueueType = QueueType.Classic;
            })
            .AddTaskFlowEfCoreTestsTasks()
            .AddStateStore(o =>
            {
                o.UsePostgreSql(dataSource);
                o.Schema = schema;
                o.OutboxPollInterval = TimeSpan.FromMilliseconds(50);
                o.CleanupInterval = TimeSpan.Zero;
            })
            .AddWorker(w =>
            {
                w.AddQueue(queue, concurrency: 2, prefetch: 4);
                w.ShutdownGracePeriod = TimeSpan.FromSeconds(2);
            });

        var host = builder.Build();
        var result = new ShopHost(host, dataSource, schema, queue, summaries);
        try
        {
            await host.Services.GetRequiredService<TaskStateStore>().ApplySchemaAsync();
            await using (var scope = host.Services.CreateAsyncScope())
            {
                // The shop's tables, in the same schema as the store's (EF Core's migrations would do this in an application).
                await scope.ServiceProvider.GetRequiredService<ShopDb>().GetService<IRelationalDatabaseCreator>().CreateTablesAsync();
            }

            await host.StartAsync();
            await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            return result;
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new DI scope (a request's or a task's): its own <see cref="ShopDb"/>.</summary>
    public AsyncServiceScope NewScope() => Services.CreateAsyncScope();

    /// <summary>Reads with a context of its own, outside any test transaction.</summary>
    public async Task<T> ReadAsync<T>(Func<ShopDb, Task<T>> read)
    {
        await using var scope = NewScope();
        return await read(scope.ServiceProvider.GetRequiredService<ShopDb>());
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
            try
            {
                await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(Queue);
            }
            catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // never declared
            }

            await using (var connection = await _dataSource.OpenConnectionAsync())
            await using (var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await _dataSource.DisposeAsync();
        }
    }
}
