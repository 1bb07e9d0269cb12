using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow;
using TaskFlow.IdleWorker;
using TaskFlow.RabbitMq;
using TaskFlow.State;

// Usage: TaskFlow.IdleWorker empty|worker|store [queue] [schema]
//   empty:  Host.CreateApplicationBuilder() with console logging and nothing else (the floor of a .NET worker service)
//   worker: + AddTaskFlow, RabbitMQ, one queue (concurrency 8), the worker
//   store:  + the PostgreSQL state store (idempotency, outbox relay, heartbeats, cleanup)
//   send:   sends [count] (4th argument) idle.noop tasks to the queue, 256 at a time, and exits (soak.sh's load)
// Prints "ready pid=N" once started, then idles until killed; measure.sh samples its RSS.
var mode = args.Length > 0 ? args[0] : "store";
var queue = args.Length > 1 ? args[1] : "idle-" + Environment.ProcessId;
var schema = args.Length > 2 ? args[2] : "idle";
if (Environment.GetEnvironmentVariable("IDLE_TRACE_LOADS") == "1")
{
    // Which code loads each assembly (to find what costs memory): the assembly and the frames that asked for it.
    AppDomain.CurrentDomain.AssemblyLoad += (_, e) => Console.Error.WriteLine("LOAD " + e.LoadedAssembly.GetName().Name + "\n" + Environment.StackTrace);
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (mode == "send")
{
    var count = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    builder.Services.AddTaskFlow(o => o.DefaultQueue = queue)
        .UseRabbitMq(o => o.ConnectionUri = new Uri(Environment.GetEnvironmentVariable("TASKFLOW_AMQP") ?? "amqp://guest:guest@127.0.0.1:5672/"))
        .AddTaskFlowIdleWorkerTasks();
    using var sender = builder.Build();
    await sender.StartAsync();
    var client = sender.Services.GetRequiredService<IdleTasks.Client>();
    var next = -1;
    var watch = System.Diagnostics.Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
    {
        int n;
        while ((n = Interlocked.Increment(ref next)) < count)
        {
            await client.Noop.DelayAsync(n);
        }
    }));
    Console.WriteLine($"sent {count} in {watch.Elapsed.TotalSeconds:F1} s");
    await sender.StopAsync();
    return 0;
}

if (mode is "worker" or "store")
{
    var taskflow = builder.Services.AddTaskFlow(o => o.DefaultQueue = queue)
        .UseRabbitMq(o => o.ConnectionUri = new Uri(Environment.GetEnvironmentVariable("TASKFLOW_AMQP") ?? "amqp://guest:guest@127.0.0.1:5672/"))
        .AddTaskFlowIdleWorkerTasks();
    if (mode == "store")
    {
        var dataSource = Npgsql.NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("TASKFLOW_PG")
            ?? "Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow");
        builder.Services.AddSingleton(dataSource);
        taskflow.AddStateStore(o =>
        {
            o.UsePostgreSql(dataSource);
            o.Schema = schema;
        });
    }

    taskflow.AddWorker(w => w.AddQueue(queue, 8));
}
else if (mode != "empty")
{
    Console.Error.WriteLine($"unknown mode '{mode}': use empty, worker or store");
    return 2;
}

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"ready pid={Environment.ProcessId} mode={mode}");
if (Environment.GetEnvironmentVariable("IDLE_GC_REPORT") is { } every && int.TryParse(every, out var seconds))
{
    // The managed heap while idle (after a full collection), next to the RSS measure.sh samples.
    _ = Task.Run(async () =>
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            GC.Collect();
            var info = GC.GetGCMemoryInfo();
            Console.WriteLine($"gc heap={info.HeapSizeBytes / 1024} KB committed={info.TotalCommittedBytes / 1024} KB fragmented={info.FragmentedBytes / 1024} KB gen0 budget? total allocated={GC.GetTotalAllocatedBytes() / 1024} KB threads={System.Diagnostics.Process.GetCurrentProcess().Threads.Count}");
        }
    });
}

await host.WaitForShutdownAsync();
return 0;
