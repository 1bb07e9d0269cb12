using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State.Internal;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>
/// A TaskFlow process for one test: client, state store in a schema of its own, and (optionally) a worker
/// consuming a queue of its own on the real broker. Disposing stops it, deletes the queue and drops the schema.
/// </summary>
public sealed class StateHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly bool _ownsSchema;

    private StateHost(IHost host, TestDatabase database, string schema, string queue, bool ownsSchema)
    {
        _host = host;
        Database = database;
        Schema = schema;
        Queue = queue;
        _ownsSchema = ownsSchema;
    }

    public TestDatabase Database { get; }

    public string Schema { get; }

    public string Queue { get; }

    public IServiceProvider Services => _host.Services;

    public TaskStateStore Store => Services.GetRequiredService<TaskStateStore>();

    public StateTasks.Client Tasks => Services.GetRequiredService<StateTasks.Client>();

    public SendOptions Options(string? taskId = null, string? entityKey = null, TimeSpan? countdown = null, bool? ignoreResult = null) =>
        new() { Queue = Queue, TaskId = taskId, EntityKey = entityKey, Countdown = countdown, IgnoreResult = ignoreResult };

    public static async Task<StateHost> StartAsync(
        string database,
        bool worker = true,
        Action<TaskStateOptions>? configure = null,
        string? schema = null,
        string? queue = null,
        bool eager = false,
        bool hostedServices = true,
        int concurrency = 4,
        Action<TaskFlowOptions>? flow = null,
        Action<RabbitMqOptions>? rabbit = null,
        string? workerName = null,
        Action<TaskFlowBuilder>? steps = null)
    {
        var db = Databases.Get(database);
        var ownsSchema = schema is null;
        schema ??= Databases.NewSchema();
        queue ??= "tf-state-" + Guid.NewGuid().ToString("N")[..10];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var taskflow = builder.Services.AddTaskFlow(o =>
        {
            o.Eager = eager;
            flow?.Invoke(o);
        }).UseRabbitMq(o =>
        {
            o.ConnectionUri = TestEnvironment.BrokerUri;
            o.QueueType = QueueType.Classic;
            rabbit?.Invoke(o);
        }).AddTaskFlowStateWorkerTasks().AddStateStore(o =>
        {
            db.Use(o);
            o.Schema = schema;
            o.RevokePollInterval = TimeSpan.FromMilliseconds(100);
            o.OutboxPollInterval = TimeSpan.FromMilliseconds(50);
            o.CleanupInterval = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        if (worker)
        {
            taskflow.AddWorker(w =>
            {
                w.AddQueue(queue, concurrency: concurrency, prefetch: concurrency * 2);
                if (workerName is not null)
                {
                    w.WorkerName = workerName;
                }

                w.ShutdownGracePeriod = TimeSpan.FromSeconds(2);
            });
        }

        steps?.Invoke(taskflow);
        if (!hostedServices)
        {
            // Only the store: the test drives relays and maintenance itself.
            foreach (var descriptor in builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToList())
            {
                builder.Services.Remove(descriptor);
            }
        }

        var host = builder.Build();
        var result = new StateHost(host, db, schema, queue, ownsSchema);
        await result.Store.ApplySchemaAsync();
        await host.StartAsync();
        if (worker && hostedServices)
        {
            await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return result;
    }

    /// <summary>A relay of this process, to drive by hand.</summary>
    internal OutboxRelay NewRelay() => new(Store, Services.GetRequiredService<TaskFlow.Core.ActiveSender>().Sender, Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TaskFlowOptions>>());

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
            await DeleteQueueAsync(Queue);
            if (_ownsSchema)
            {
                await Database.DropSchemaAsync(Schema);
            }
        }
    }

    public static async Task DeleteQueueAsync(string queue)
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

}
