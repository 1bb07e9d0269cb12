using System;
using System.Linq;
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
using TaskFlow.Scheduling.Internal;
using TaskFlow.Scheduling.Worker;
using TaskFlow.State;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;

namespace TaskFlow.Scheduling.Tests;

/// <summary>
/// A TaskFlow process of one test: the state store in a schema of the test, optionally a scheduler (real or fake
/// time) and a worker on a queue of the test. The [Periodic] schedules of the worker assembly are left out unless
/// asked for. Disposing stops it; the owner of the schema drops it.
/// </summary>
public sealed class SchedulingHost : IAsyncDisposable
{
    private static readonly Lazy<NpgsqlDataSource> Source = new(() => NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString));
    private readonly IHost _host;
    private readonly bool _ownsSchema;
    private bool _started;

    private SchedulingHost(IHost host, string schema, string queue, bool ownsSchema)
    {
        _host = host;
        Schema = schema;
        Queue = queue;
        _ownsSchema = ownsSchema;
    }

    public string Schema { get; }

    public string Queue { get; }

    public IServiceProvider Services => _host.Services;

    public ISchedules Schedules => Services.GetRequiredService<ISchedules>();

    public TaskStateStore Store => Services.GetRequiredService<TaskStateStore>();

    internal Scheduler Scheduler => Services.GetRequiredService<Scheduler>();

    internal IScheduleStore ScheduleStore => Services.GetRequiredService<IScheduleStore>();

    public static string NewSchema() => "tf_sched_" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Builds (and unless <paramref name="start"/> is false, starts) a process.</summary>
    public static async Task<SchedulingHost> CreateAsync(
        string? schema = null,
        bool scheduler = false,
        bool worker = false,
        int concurrency = 4,
        TimeProvider? time = null,
        Action<SchedulerOptions>? configure = null,
        bool declared = false,
        bool start = true,
        Action<TaskFlowBuilder>? steps = null)
    {
        var ownsSchema = schema is null;
        schema ??= NewSchema();
        var queue = "tf-sched-" + Guid.NewGuid().ToString("N")[..10];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        var taskflow = builder.Services.AddTaskFlow().UseRabbitMq(o =>
        {
            o.ConnectionUri = TestEnvironment.BrokerUri;
            o.QueueType = QueueType.Classic;
        }).AddTaskFlowSchedulingWorkerTasks().AddStateStore(o =>
        {
            o.UsePostgreSql(Source.Value);
            o.Schema = schema;
            o.RevokePollInterval = TimeSpan.FromMilliseconds(100);
            o.OutboxPollInterval = TimeSpan.FromMilliseconds(50);
            o.CleanupInterval = TimeSpan.Zero;
        });
        if (scheduler)
        {
            taskflow.AddScheduler(o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(2);
                o.TickInterval = TimeSpan.FromMilliseconds(100);
                o.MisfireThreshold = TimeSpan.FromMinutes(1);
                configure?.Invoke(o);
            });
        }

        if (worker)
        {
            taskflow.AddWorker(w =>
            {
                w.AddQueue(queue, concurrency: concurrency, prefetch: concurrency * 2);
                w.ShutdownGracePeriod = TimeSpan.FromSeconds(1);
            });
        }

        steps?.Invoke(taskflow);
        if (!declared)
        {
            foreach (var descriptor in builder.Services.Where(d => d.ImplementationInstance is DeclaredSchedule s && (s.Task.Name.EndsWith("nightly", StringComparison.Ordinal) || s.Task.Name.EndsWith("report", StringComparison.Ordinal))).ToList())
            {
                builder.Services.Remove(descriptor);
            }
        }

        if (!start)
        {
            // Driven by hand (fake time): no hosted services at all.
            foreach (var descriptor in builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToList())
            {
                builder.Services.Remove(descriptor);
            }
        }

        var host = builder.Build();
        var result = new SchedulingHost(host, schema, queue, ownsSchema);
        await result.Store.ApplySchemaAsync();
        if (start)
        {
            await host.StartAsync();
            result._started = true;
            if (worker)
            {
                await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        return result;
    }

    /// <summary>A definition of a schedule sending <c>tick(key)</c> (or <c>slow(key, ms)</c>) to this host's queue.</summary>
    public ScheduleDefinition Definition(string name, string? cron = null, TimeSpan? every = null, OverlapPolicy overlap = OverlapPolicy.Skip,
        CatchUpPolicy catchUp = CatchUpPolicy.RunOnce, TimeSpan? window = null, int? slowMs = null, string? timeZone = null) => new()
    {
        Name = name,
        TaskName = slowMs is null ? "scheduling_tests.tick" : "scheduling_tests.slow",
        ArgumentsJson = slowMs is null ? $"[\"{name}\"]" : $"[\"{name}\", {slowMs}]",
        Queue = Queue,
        Cron = cron,
        Every = every,
        TimeZone = timeZone,
        Overlap = overlap,
        CatchUp = catchUp,
        CatchUpWindow = window ?? TimeSpan.FromDays(1),
    };

#pragma warning disable CA1822 // an instance member: the connection to this host's database
    public async Task<NpgsqlConnection> OpenAsync() => await Source.Value.OpenConnectionAsync();
#pragma warning restore CA1822

    /// <summary>The fire records of a schedule, oldest first.</summary>
    public async Task<FireRecord[]> FiresAsync(string schedule)
    {
        await using var connection = await OpenAsync();
        return (await connection.QueryAsync<FireRecord>(
            $"SELECT task_id AS TaskId, fire_at AS FireAt, status AS Status, token AS Token, recorded_at AS RecordedAt, sent_at AS SentAt FROM {Schema}.schedule_fire WHERE schedule_name = @schedule ORDER BY fire_at",
            new { schedule })).ToArray();
    }

    /// <summary>The task records of a schedule's sent fires, by start.</summary>
    public async Task<TaskRecord[]> TasksAsync(string schedule)
    {
        await using var connection = await OpenAsync();
        return (await connection.QueryAsync<TaskRecord>(
            $"""
            SELECT t.task_id AS TaskId, t.state AS State, t.started_at AS StartedAt, t.completed_at AS CompletedAt, f.fire_at AS FireAt
            FROM {Schema}.schedule_fire f JOIN {Schema}.task_state t ON t.task_id = f.task_id
            WHERE f.schedule_name = @schedule ORDER BY t.started_at NULLS LAST
            """,
            new { schedule })).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_started)
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await _host.StopAsync(stop.Token);
            }
        }
        finally
        {
            _host.Dispose();
            await DeleteQueueAsync(Queue);
            if (_ownsSchema)
            {
                await DropSchemaAsync(Schema);
            }
        }
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = await Source.Value.OpenConnectionAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
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

/// <summary>A row of <c>schedule_fire</c>.</summary>
public sealed record FireRecord(string TaskId, DateTime FireAt, short Status, long? Token, DateTime RecordedAt, DateTime? SentAt)
{
    public ScheduleFireStatus Kind => (ScheduleFireStatus)Status;
}

/// <summary>A fire's task record.</summary>
public sealed class TaskRecord
{
    public string TaskId { get; set; } = "";

    public short State { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public DateTime FireAt { get; set; }
}
