using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using TaskFlow;
using TaskFlow.RabbitMq;
using TaskFlow.State;
using TaskFlow.TestSupport;

// Worker:   TASKFLOW_STATE_PG=<cs> TASKFLOW_STATE_SCHEMA=<schema> TASKFLOW_STATE_QUEUE=<queue> TASKFLOW_STATE_MODE=<normal|kill-after-commit|kill-in-work> [TASKFLOW_STATE_SEARCH_INDEX=1] dotnet TaskFlow.State.Worker.dll
// Benchmark: dotnet TaskFlow.State.Worker.dll cleanup-bench [rows=1000000] [connection string]
if (args.Length > 0 && args[0] == "cleanup-bench")
{
    return await CleanupBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "unique-race")
{
    return await TaskFlow.State.Worker.UniqueRace.RunAsync(args);
}

if (args.Length > 0 && args[0] == "throughput-bench")
{
    return await ThroughputBench.RunAsync(args);
}

var connectionString = Environment.GetEnvironmentVariable("TASKFLOW_STATE_PG") ?? throw new InvalidOperationException("TASKFLOW_STATE_PG is not set");
var schema = Environment.GetEnvironmentVariable("TASKFLOW_STATE_SCHEMA") ?? "taskflow";
var queue = Environment.GetEnvironmentVariable("TASKFLOW_STATE_QUEUE") ?? "state-tests";
var mode = Environment.GetEnvironmentVariable("TASKFLOW_STATE_MODE") ?? "normal";

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Services.AddTaskFlow().UseRabbitMq(o =>
{
    o.ConnectionUri = TestEnvironment.BrokerUri;
    o.QueueType = QueueType.Classic;
}).AddTaskFlowStateWorkerTasks().AddStateStore(o =>
{
    o.UsePostgreSql(NpgsqlDataSource.Create(connectionString));
    o.Schema = schema;
    if (Environment.GetEnvironmentVariable("TASKFLOW_STATE_HEARTBEAT_MS") is { Length: > 0 } heartbeat)
    {
        o.WorkerHeartbeatInterval = TimeSpan.FromMilliseconds(int.Parse(heartbeat, System.Globalization.CultureInfo.InvariantCulture));
    }

    o.IndexArgumentsForSearch = Environment.GetEnvironmentVariable("TASKFLOW_STATE_SEARCH_INDEX") == "1";
    if (Environment.GetEnvironmentVariable("TASKFLOW_STATE_LEASE_MS") is { Length: > 0 } lease)
    {
        o.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(lease, System.Globalization.CultureInfo.InvariantCulture));
    }
}).AddWorker(w =>
{
    var concurrency = int.Parse(Environment.GetEnvironmentVariable("TASKFLOW_STATE_CONCURRENCY") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
    w.AddQueue(queue, concurrency: concurrency, prefetch: concurrency);
});
if (mode == "kill-after-commit")
{
    builder.Services.PostConfigure<TaskStateOptions>(o => o.AfterAtomicCommit = id =>
    {
        // The work and its completion record are committed; the ack has not been sent.
        Console.WriteLine($"KILLING (committed, not acked) {id}");
        Console.Out.Flush();
        Process.GetCurrentProcess().Kill();
        return ValueTask.CompletedTask;
    });
}

using var host = builder.Build();
if (await TaskFlow.Hosting.TaskFlowHostCommands.RunTaskFlowCommandAsync(host, args) is { } exitCode)
{
    return exitCode;
}

await host.StartAsync();
await host.Services.GetRequiredService<TaskFlow.Hosting.TaskFlowWorker>().Started;
Console.WriteLine("WORKER-READY");
await host.WaitForShutdownAsync();
return 0;

/// <summary>Measures cleanup of expired task records: inserts N expired rows (plus live ones), then times <c>CleanupAsync</c>.</summary>
internal static class CleanupBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var cs = args.Length > 2 ? args[2] : Environment.GetEnvironmentVariable("TASKFLOW_STATE_PG") ?? TestEnvironment.PostgresConnectionString;
        var schema = "tf_bench_" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow().AddStateStore(o =>
        {
            o.UsePostgreSql(dataSource);
            o.Schema = schema;
        });
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<TaskStateStore>();
        try
        {
            await store.ApplySchemaAsync();
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                var fill = Stopwatch.StartNew();
                // Expired rows (finished yesterday) and 10% live ones that must survive.
                await connection.ExecuteAsync(
                    $"""
                    INSERT INTO {schema}.task_state (task_id, task_name, queue, state, attempts, created_at, completed_at, updated_at, expires_at)
                    SELECT 'bench-' || g, 'bench.task', 'bench', 10, 1, now() - interval '2 days', now() - interval '2 days', now() - interval '2 days',
                           CASE WHEN g % 10 = 0 THEN now() + interval '1 day' ELSE now() - interval '1 day' END
                    FROM generate_series(1, @Rows) g
                    """, new { Rows = rows + rows / 9 }, commandTimeout: 600);
                await connection.ExecuteAsync($"ANALYZE {schema}.task_state", commandTimeout: 600);
                Console.WriteLine($"inserted {rows + rows / 9:N0} rows ({rows:N0} expired) in {fill.Elapsed.TotalSeconds:F1} s");
            }

            var watch = Stopwatch.StartNew();
            var deleted = await store.CleanupAsync();
            watch.Stop();
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                var left = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.task_state");
                Console.WriteLine($"cleanup deleted {deleted:N0} expired rows in {watch.Elapsed.TotalSeconds:F1} s ({deleted / watch.Elapsed.TotalSeconds:N0} rows/s, batches of {store.GetType().Name switch { _ => 4000 }}); {left:N0} live rows left");
                var plan = await connection.QueryAsync<string>($"EXPLAIN DELETE FROM {schema}.task_state WHERE ctid = ANY(ARRAY(SELECT ctid FROM {schema}.task_state WHERE expires_at < now() LIMIT 4000))");
                Console.WriteLine("plan of one batch:");
                foreach (var line in plan)
                {
                    Console.WriteLine("  " + line);
                }
            }

            return 0;
        }
        finally
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE", commandTimeout: 600);
        }
    }
}

/// <summary>
/// Tasks per second through the broker with and without the state store (same process, same queue settings):
/// publish N trivial tasks, time until the worker has run them all. Alternates the variants to share out noise.
/// </summary>
internal static class ThroughputBench
{
    private static int Concurrency { get; set; } = 32;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2;
        Concurrency = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 32;
        var cs = Environment.GetEnvironmentVariable("TASKFLOW_STATE_PG") ?? TestEnvironment.PostgresConnectionString;
        Console.WriteLine($"{count:N0} tasks per run, worker concurrency {Concurrency}, prefetch {Concurrency * 2}, classic queue, publishers 64 in flight");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var withStore in new[] { false, true })
            {
                var (publish, total) = await RunOnceAsync(count, withStore ? cs : null);
                Console.WriteLine($"round {round} {(withStore ? "with state store   " : "without state store")}: published in {publish.TotalSeconds:F2} s, all run in {total.TotalSeconds:F2} s -> {count / total.TotalSeconds:N0} tasks/s");
            }
        }

        return 0;
    }

    private static async Task<(TimeSpan Publish, TimeSpan Total)> RunOnceAsync(int count, string? connectionString)
    {
        var queue = "tf-bench-" + Guid.NewGuid().ToString("N")[..8];
        var schema = "tf_bench_" + Guid.NewGuid().ToString("N")[..8];
        var key = queue;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var flow = builder.Services.AddTaskFlow().UseRabbitMq(o =>
        {
            o.ConnectionUri = TestEnvironment.BrokerUri;
            o.QueueType = QueueType.Classic;
        }).AddTaskFlowStateWorkerTasks();
        NpgsqlDataSource? dataSource = null;
        if (connectionString is not null)
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
            flow.AddStateStore(o =>
            {
                o.UsePostgreSql(dataSource);
                o.Schema = schema;
                o.AckAfterStateCommit = Environment.GetEnvironmentVariable("BENCH_ACK_WAIT") != "0";
                o.RecordStarted = Environment.GetEnvironmentVariable("BENCH_RECORD_STARTED") != "0";
            });
        }

        flow.AddWorker(w => w.AddQueue(queue, concurrency: Concurrency, prefetch: Concurrency * 2));
        using var host = builder.Build();
        if (dataSource is not null)
        {
            await host.Services.GetRequiredService<TaskStateStore>().ApplySchemaAsync();
        }

        await host.StartAsync();
        await host.Services.GetRequiredService<TaskFlow.Hosting.TaskFlowWorker>().Started;
        var tasks = host.Services.GetRequiredService<TaskFlow.State.Worker.StateTasks.Client>();
        var options = new SendOptions { Queue = queue };
        await tasks.Add.ApplyAsync(0, 0, "warm-up", options);
        var watch = Stopwatch.StartNew();
        var gate = new System.Threading.SemaphoreSlim(64);
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync();
            sends.Add(SendAsync(i));
        }

        await Task.WhenAll(sends);
        var publish = watch.Elapsed;
        while (TaskFlow.State.Worker.StateTasks.Runs.GetValueOrDefault(key) < count)
        {
            await Task.Delay(5);
        }

        var total = watch.Elapsed;
        await host.StopAsync();
        await using (var broker = await new RabbitMQ.Client.ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync())
        await using (var channel = await broker.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + ".dead");
        }
        if (dataSource is not null)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var succeeded = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.task_state WHERE state = 10");
            Console.WriteLine($"    (state store: {succeeded:N0} succeeded records)");
            await connection.ExecuteAsync($"DROP SCHEMA {schema} CASCADE");
            await dataSource.DisposeAsync();
        }

        return (publish, total);

        async Task SendAsync(int i)
        {
            try
            {
                await tasks.Add.ApplyAsync(i, 1, key, options);
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
