using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TaskFlow;
using TaskFlow.State;
using TaskFlow.TestSupport;

// Fills a schema of its own with N task records (server-side generate_series in batches of 100,000: 1% failed, 1%
// dead-lettered, 2% running, the rest succeeded; 20 task names, 5 queues, 50 workers, 100,000 entities; arguments as a
// TaskFlow argsrepr of about 75 characters, e.g. [123,"user23@example.com",{"order":"ord-123","amount":123}], 100,000 users; one record every
// 100 ms back from now, so the last hour holds 36,000) and times what the dashboard runs: the task list with each filter
// (first page and the next one, 100 a page, through ITaskStateStore.QueryTasksAsync, as the page calls it), the
// overview's counts and timeline, the live stream's counts. Median of 7 runs after one warm-up.
var rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(1_000_000);
var keep = args.Contains("--keep");
var schema = "tf_measure_" + Guid.NewGuid().ToString("N")[..8];
await using var data = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString + ";Command Timeout=600");
var services = new ServiceCollection();
services.AddLogging();
services.AddTaskFlow().AddStateStore(o =>
{
    o.UsePostgreSql(data);
    o.Schema = schema;
    o.CleanupInterval = TimeSpan.Zero;
});
await using var provider = services.BuildServiceProvider();
var store = provider.GetRequiredService<TaskStateStore>();
await store.ApplySchemaAsync();
Console.WriteLine($"schema {schema}: filling {rows:N0} task records");
try
{
    var fill = Stopwatch.StartNew();
    await using (var connection = await data.OpenConnectionAsync())
    {
        for (var from = 1; from <= rows; from += 100_000)
        {
            var to = Math.Min(rows, from + 99_999);
            await connection.ExecuteAsync($"""
                INSERT INTO {schema}.task_state (task_id, task_name, queue, state, entity_key, attempts, worker, error, created_at, started_at, completed_at, updated_at, expires_at, arguments)
                SELECT 'm-' || lpad(g::text, 9, '0'),
                       'measure.task_' || (g % 20),
                       'queue-' || (g % 5),
                       CASE WHEN g % 100 = 0 THEN 11 WHEN g % 100 = 1 THEN 14 WHEN g % 50 = 2 THEN 1 ELSE 10 END,
                       'entity:' || (g % 100000),
                       1 + (g % 3 = 0)::int,
                       'worker-' || (g % 50),
                       CASE WHEN g % 100 = 0 THEN 'task-failed: System.TimeoutException: no answer' WHEN g % 100 = 1 THEN 'invalid-arguments: expected 2 arguments' END,
                       now() - (@Rows - g) * interval '100 milliseconds',
                       now() - (@Rows - g) * interval '100 milliseconds',
                       CASE WHEN g % 50 = 2 THEN NULL ELSE now() - (@Rows - g) * interval '100 milliseconds' + interval '50 milliseconds' END,
                       now() - (@Rows - g) * interval '100 milliseconds',
                       now() + interval '7 days',
                       '[' || g || ',"user' || (g % 100000) || '@example.com",' || chr(123) || '"order":"ord-' || g || '","amount":' || (g % 997) || chr(125) || ']'
                FROM generate_series(@From, @To) AS g
                """, new { From = from, To = to, Rows = rows });
        }

        await connection.ExecuteAsync($"ANALYZE {schema}.task_state");
    }

    Console.WriteLine($"filled in {fill.Elapsed.TotalSeconds:0.0} s ({rows / fill.Elapsed.TotalSeconds:N0} rows/s)");
    Console.WriteLine();
    Console.WriteLine("| query (100 a page) | matching | first page | next page |");
    Console.WriteLine("|---|---|---|---|");
    var now = DateTimeOffset.UtcNow;
    var cases = new (string Name, TaskQuery Query)[]
    {
        ("no filter", new TaskQuery()),
        ("state = failed", new TaskQuery { States = [TaskState.Failed] }),
        ("state = failed, dead_lettered", new TaskQuery { States = [TaskState.Failed, TaskState.DeadLettered] }),
        ("state = started", new TaskQuery { States = [TaskState.Started] }),
        ("task name", new TaskQuery { TaskName = "measure.task_7" }),
        ("task name + state = failed", new TaskQuery { TaskName = "measure.task_0", States = [TaskState.Failed] }),
        ("queue", new TaskQuery { Queue = "queue-3" }),
        ("entity key", new TaskQuery { EntityKey = "entity:4242" }),
        ("worker", new TaskQuery { Worker = "worker-17" }),
        ("error starts with System.TimeoutException", new TaskQuery { Error = "System.TimeoutException" }),
        ("since 1h", new TaskQuery { CreatedSince = now.AddHours(-1) }),
        ("since 1h + state = failed", new TaskQuery { CreatedSince = now.AddHours(-1), States = [TaskState.Failed] }),
        ("until 1 day ago", new TaskQuery { CreatedUntil = now.AddDays(-1) }),
        ("task name, no match", new TaskQuery { TaskName = "measure.none" }),
        ("task name + queue, no match", new TaskQuery { TaskName = "measure.task_3", Queue = "queue-1" }),
        ("text in arguments, every record matches", new TaskQuery { ArgumentsContains = "@EXAMPLE.com" }),
        ("text in arguments, 0.1% match", new TaskQuery { ArgumentsContains = "\"amount\":42}" }),
        ("text in arguments, 10 match (one user)", new TaskQuery { ArgumentsContains = "user4242@" }),
        ("text in arguments, no match", new TaskQuery { ArgumentsContains = "nobody@nowhere" }),
        ("text in arguments, no match, since 1h", new TaskQuery { ArgumentsContains = "nobody@nowhere", CreatedSince = now.AddHours(-1) }),
        ("text in arguments, no match, since 1d", new TaskQuery { ArgumentsContains = "nobody@nowhere", CreatedSince = now.AddDays(-1) }),
        ("text in arguments + task name, no match", new TaskQuery { ArgumentsContains = "nobody@nowhere", TaskName = "measure.task_7" }),
        ("text in arguments + state = failed, no match", new TaskQuery { ArgumentsContains = "nobody@nowhere", States = [TaskState.Failed] }),
    };
    foreach (var (name, query) in cases)
    {
        var first = await store.QueryTasksAsync(query);
        var firstMs = await MedianAsync(() => store.QueryTasksAsync(query));
        var nextMs = first.NextCursor is { } cursor ? await MedianAsync(() => store.QueryTasksAsync(query with { Cursor = cursor })) : (double?)null;
        Console.WriteLine($"| {name} | {(first.NextCursor is null ? first.Tasks.Count.ToString(CultureInfo.InvariantCulture) : "100+")} | {firstMs:0.0} ms | {(nextMs is { } n ? n.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-")} |");
    }

    Console.WriteLine();
    Console.WriteLine("| overview and live stream | time |");
    Console.WriteLine("|---|---|");
    Console.WriteLine($"| GetTaskCountsAsync(last hour) | {await MedianAsync(() => store.GetTaskCountsAsync(now.AddHours(-1))):0.0} ms |");
    Console.WriteLine($"| GetTaskCountsAsync(last day) (live stream fingerprint) | {await MedianAsync(() => store.GetTaskCountsAsync(now.AddDays(-1))):0.0} ms |");
    Console.WriteLine($"| GetTaskTimelineAsync(last hour, 1 min) | {await MedianAsync(() => store.GetTaskTimelineAsync(now.AddHours(-1), TimeSpan.FromMinutes(1))):0.0} ms |");
    Console.WriteLine($"| GetTaskTimelineAsync(last day, 30 min) | {await MedianAsync(() => store.GetTaskTimelineAsync(now.AddDays(-1), TimeSpan.FromMinutes(30))):0.0} ms |");
}
finally
{
    if (!keep)
    {
        await using var connection = await data.OpenConnectionAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
    }
    else
    {
        Console.WriteLine($"kept schema {schema}");
    }
}

static async Task<double> MedianAsync<T>(Func<Task<T>> run)
{
    await run();
    var times = new List<double>();
    for (var i = 0; i < 7; i++)
    {
        var watch = Stopwatch.StartNew();
        await run();
        times.Add(watch.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    return times[times.Count / 2];
}
