using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;
using TaskFlow.TestSupport;
using TaskFlow.Waiters.Measure;

// N waiters (TaskStateStore.WaitAsync, one per task, all started before the first task runs: --countdown-ms) in a client process of their own (a store without a worker, its
// own NpgsqlDataSource whose commands are counted) wait for N tasks that a worker host in the same process completes:
// each task sleeps --task-ms, the worker runs --concurrency at once, so results arrive over about N / C x task-ms.
// Mode "poll": the store's polling (20 ms doubling to 1 s). Mode "notify": UsePostgreSqlNotifications (LISTEN/NOTIFY,
// safety poll every 5 s). Reported per mode: result latency p50/p99/max, from the record's completed_at (stamped by
// the worker when it queues the final write, just before the state writer's group commit) to the waiter's return; the
// waiters' database commands (counted on their data source, the LISTEN included) per second of the wait; and, as a
// cross-check, the whole database's xact_commit delta per second (pg_stat_database: the worker's writes and any other
// client of the database included).
var waiters = Option("--waiters", 1000);
var concurrency = Option("--concurrency", 50);
var taskMs = Option("--task-ms", 200);
var countdownMs = Option("--countdown-ms", 3000);
var modes = args.SkipWhile(a => a != "--modes").Skip(1).FirstOrDefault("poll,notify").Split(',');

Console.WriteLine($"{waiters:N0} waiters, worker concurrency {concurrency}, tasks of {taskMs} ms sent with a countdown of {countdownMs} ms (results over about {waiters * taskMs / concurrency / 1000.0:N1} s after it); {Environment.ProcessorCount} cores");
foreach (var mode in modes)
{
    if (mode == "writer")
    {
        await MeasureWriterAsync();
    }
    else
    {
        await MeasureAsync(mode, notify: mode == "notify");
    }
}

return 0;

int Option(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(fallback);

async Task MeasureAsync(string mode, bool notify)
{
    var schema = "tf_waiters_" + Guid.NewGuid().ToString("N")[..8];
    var queue = "tf-waiters-" + Guid.NewGuid().ToString("N")[..8];
    var counter = new CommandCounter();
    using var counting = LoggerFactory.Create(b => b.AddProvider(counter).SetMinimumLevel(LogLevel.Information));
    var application = "tf-waiters-" + schema[^8..];
    var clientSource = new NpgsqlDataSourceBuilder(TestEnvironment.PostgresConnectionString + ";Maximum Pool Size=50;Application Name=" + application) { Name = "waiters" }.UseLoggerFactory(counting).Build();
    await using var _ = clientSource;
    await using var workerSource = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);

    using var worker = Build(workerSource, schema, o => { }, w => w.AddQueue(queue, concurrency: concurrency));
    using var client = Build(clientSource, schema, o =>
    {
        if (notify)
        {
            o.UsePostgreSqlNotifications();
        }
    }, worker: null);
    var workerStore = worker.Services.GetRequiredService<TaskStateStore>();
    await workerStore.ApplySchemaAsync();
    await worker.StartAsync();
    await worker.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
    await client.StartAsync();
    var store = client.Services.GetRequiredService<TaskStateStore>();
    var tasks = client.Services.GetRequiredService<WaitTasks.Client>();
    try
    {
        // Warm-up: the pools, the prepared upsert, the listening connection.
        var warm = await tasks.Sleep.ApplyAsync(0, 1, new SendOptions { Queue = queue });
        await store.WaitAsync(warm.Id, TimeSpan.FromSeconds(30));

        // Sent with a countdown, and every waiter started at once after the sends: all of them wait before the first
        // task runs, so each latency is that of a waiter already waiting (polling: at its backoff by then).
        var countdown = TimeSpan.FromMilliseconds(countdownMs);
        var handles = await Task.WhenAll(Enumerable.Range(1, waiters).Select(i => tasks.Sleep.ApplyAsync(i, taskMs, new SendOptions { Queue = queue, Countdown = countdown }).AsTask()));
        var commitsBefore = await XactCommitAsync(workerSource);
        var commandsBefore = counter.Commands;
        using var sampling = new CancellationTokenSource();
        var peak = SamplePeakConnectionsAsync(workerSource, application, sampling.Token);
        var watch = Stopwatch.StartNew();
        var latencies = await Task.WhenAll(handles.Select(async h =>
        {
            var info = await store.WaitAsync(h.Id, TimeSpan.FromMinutes(5));
            return (DateTimeOffset.UtcNow - info.CompletedAt!.Value).TotalMilliseconds;
        }));
        var seconds = watch.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        var connections = await peak;
        var commands = counter.Commands - commandsBefore;
        var commits = await XactCommitAsync(workerSource) - commitsBefore;
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode,-6}: {waiters:N0} results in {seconds:N2} s; latency p50 {Percentile(latencies, 0.50):N1} ms, p99 {Percentile(latencies, 0.99):N1} ms, max {latencies[^1]:N1} ms; " +
            $"waiters' commands {commands:N0} ({commands / seconds:N0}/s, {(double)commands / waiters:N2} per waiter); database xact_commit {commits / seconds:N0}/s (all clients); " +
            $"waiters' connections at most {connections} (pg_stat_activity every 10 ms; the pool allows 50)"));
    }
    finally
    {
        await client.StopAsync();
        await worker.StopAsync();
        await using var connection = await workerSource.OpenConnectionAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await using var broker = await new RabbitMQ.Client.ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await broker.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
    }
}

// The most server connections the waiters' data source held at once, sampled from pg_stat_activity every 10 ms (the
// listening connection included) until cancelled.
static async Task<long> SamplePeakConnectionsAsync(NpgsqlDataSource source, string application, CancellationToken cancellationToken)
{
    await using var connection = await source.OpenConnectionAsync(CancellationToken.None);
    long peak = 0;
    while (!cancellationToken.IsCancellationRequested)
    {
        var now = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = @application", new { application });
        peak = Math.Max(peak, now);
        try
        {
            await Task.Delay(10, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            break;
        }
    }

    return peak;
}

IHost Build(NpgsqlDataSource source, string schema, Action<TaskStateOptions> configure, Action<TaskFlowWorkerOptions>? worker)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    var taskflow = builder.Services.AddTaskFlow(o => { })
        .UseRabbitMq(o =>
        {
            o.ConnectionUri = TestEnvironment.BrokerUri;
            o.QueueType = QueueType.Classic;
        })
        .AddTaskFlowWaitersMeasureTasks()
        .AddStateStore(o =>
        {
            o.UsePostgreSql(source);
            o.Schema = schema;
            o.CleanupInterval = TimeSpan.Zero;
            configure(o);
        });
    if (worker is not null)
    {
        taskflow.AddWorker(worker);
    }

    return builder.Build();
}

// The writer's cost of notifying: the state writer's batch statement (TaskStateRecords.WriteAsync) with and without
// NotifyFinalStates, --batches batches of --batch-rows final states each, alternating 3 rounds of each, mean per batch.
async Task MeasureWriterAsync()
{
    var batches = Option("--batches", 200);
    var rows = Option("--batch-rows", 50);
    var schema = "tf_waiters_" + Guid.NewGuid().ToString("N")[..8];
    await using var source = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
    using var on = Build(source, schema, o => o.NotifyFinalStates = true, worker: null);
    using var off = Build(source, schema, o => o.NotifyFinalStates = false, worker: null);
    var stores = new[] { ("notify", on.Services.GetRequiredService<TaskStateStore>()), ("silent", off.Services.GetRequiredService<TaskStateStore>()) };
    await stores[0].Item2.ApplySchemaAsync();
    var times = stores.ToDictionary(s => s.Item1, _ => new List<double>());
    try
    {
        for (var round = 0; round < 4; round++)
        {
            foreach (var (name, store) in round % 2 == 0 ? stores : stores.Reverse())
            {
                var watch = Stopwatch.StartNew();
                for (var b = 0; b < batches; b++)
                {
                    var writes = Enumerable.Range(0, rows).Select(_ => store.NewWrite(Guid.NewGuid().ToString(), "waiters_measure.sleep", "q", TaskState.Succeeded, result: "1"))
                        .OrderBy(w => w.TaskId, StringComparer.Ordinal).ToList();
                    await store.Database.States.WriteAsync(writes, CancellationToken.None);
                }

                if (round > 0)
                {
                    times[name].Add(watch.Elapsed.TotalMilliseconds / batches); // round 0 warms up
                }
            }
        }

        foreach (var (name, list) in times)
        {
            list.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"writer {name,-6}: {batches} batches of {rows} final states, median of 3 rounds {list[1]:N3} ms per batch ({list[1] * 1000 / rows:N1} us per state; rounds {string.Join(", ", list.Select(t => t.ToString("N3", CultureInfo.InvariantCulture)))})"));
        }
    }
    finally
    {
        await using var connection = await source.OpenConnectionAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
    }
}

static async Task<long> XactCommitAsync(NpgsqlDataSource source)
{
    await using var connection = await source.OpenConnectionAsync();
    return await connection.ExecuteScalarAsync<long>("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
