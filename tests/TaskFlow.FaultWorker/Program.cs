using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow;
using TaskFlow.FaultWorker;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;

// Usage: TaskFlow.FaultWorker --queue Q --exchange X --dlx D --out FILE
//        [--delay-prefix P] [--concurrency N] [--prefetch N] [--delivery-limit N] [--amqp URI] [--verbose true] [--parent-pid PID]
//        [--work-ms N]   each fault.work sleeps N ms first (a pace for scenarios that act at counts of completions)
//        [--consumer-timeout-ms N]   the broker's consumer_timeout as the worker is told it (RabbitMqOptions.ConsumerTimeout)
//        [--state-pg CS --state-schema S [--lease-ms N] [--reap-ms N] [--revoke-poll-ms N]]   with the PostgreSQL state store
var options = ParseArguments(args);
string Required(string name) => options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");
int Number(string name, int fallback) => options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

var queue = Required("queue");
var outPath = Required("out");
var concurrency = Number("concurrency", 4);
var prefetch = Number("prefetch", concurrency * 4);

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("TaskFlow.RabbitMq", LogLevel.Information);
// The RabbitMQ transport (connection lost/recovered, consumers) at Information; the worker's per-task lines only with --verbose true.
if (options.TryGetValue("verbose", out var verbose) && bool.Parse(verbose))
{
    builder.Logging.AddFilter("TaskFlow", LogLevel.Information);
}
builder.Services.AddSingleton(new OutFile(outPath));
builder.Services.AddSingleton(new WorkPace(Number("work-ms", 0)));
var taskflow = builder.Services.AddTaskFlow(o =>
    {
        o.DefaultQueue = queue;
        // Without --state-pg the lease-mode task (fault.long_steps) is never sent; declared, it would refuse start-up.
        o.AllowLongRunningWithoutStateStore = !options.ContainsKey("state-pg");
    })
    .UseRabbitMq(o =>
    {
        if (options.TryGetValue("amqp", out var uri))
        {
            o.ConnectionUri = new Uri(uri);
        }

        o.ClientName = $"taskflow-fault-worker:{Environment.ProcessId}";
        o.ExchangeName = Required("exchange");
        o.DeadLetterExchangeName = Required("dlx");
        if (options.TryGetValue("delay-prefix", out var prefix))
        {
            o.DelayExchangePrefix = prefix;
        }

        o.DeliveryLimit = Number("delivery-limit", o.DeliveryLimit);
        if (options.ContainsKey("consumer-timeout-ms"))
        {
            o.ConsumerTimeout = TimeSpan.FromMilliseconds(Number("consumer-timeout-ms", 0));
        }
    })
    .AddTaskFlowFaultWorkerTasks();
if (options.TryGetValue("state-pg", out var stateConnectionString))
{
    var schema = Required("state-schema");
    Environment.SetEnvironmentVariable("TASKFLOW_FAULT_SCHEMA", schema);
    var dataSource = Npgsql.NpgsqlDataSource.Create(stateConnectionString);
    builder.Services.AddSingleton(dataSource);
    taskflow.AddStateStore(o =>
    {
        o.UsePostgreSql(dataSource);
        o.Schema = schema;
        o.ApplySchemaAutomatically = false; // the test applied it
        o.LeaseDuration = TimeSpan.FromMilliseconds(Number("lease-ms", 30_000));
        o.LeaseReapInterval = TimeSpan.FromMilliseconds(Number("reap-ms", 5_000));
        o.RevokePollInterval = TimeSpan.FromMilliseconds(Number("revoke-poll-ms", 1_000));
        o.OutboxPollInterval = TimeSpan.FromMilliseconds(100);
        o.CleanupInterval = TimeSpan.Zero;
        o.WorkerName = $"fault-worker:{Environment.ProcessId}";
    });
}

taskflow.AddWorker(w =>
    {
        w.AddQueue(queue, concurrency, prefetch);
        w.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
        w.ShutdownCancellationWait = TimeSpan.FromSeconds(2);
    });

using var host = builder.Build();
await host.StartAsync();
await host.Services.GetRequiredService<TaskFlowWorker>().Started;
Console.WriteLine($"fault-worker ready pid={Environment.ProcessId} queue={queue}");

// The health signal, printed on every change: the tests compare it with what the worker actually did.
var status = host.Services.GetRequiredService<TaskFlowWorkerStatus>();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
_ = Task.Run(async () =>
{
    var last = true;
    while (!lifetime.ApplicationStopping.IsCancellationRequested)
    {
        var now = status.AllConsuming;
        if (now != last)
        {
            Console.WriteLine($"fault-worker status consuming={now}");
            last = now;
        }

        await Task.Delay(50);
    }
});
// Never outlive the test that started this process (e.g. if the test host itself is killed).
if (options.TryGetValue("parent-pid", out var parent))
{
    var parentPid = int.Parse(parent, CultureInfo.InvariantCulture);
    _ = Task.Run(async () =>
    {
        while (!lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await Task.Delay(1000);
            if (!IsAlive(parentPid))
            {
                Console.WriteLine($"fault-worker parent {parentPid} is gone; exiting");
                Environment.Exit(3);
            }
        }
    });
}

await host.WaitForShutdownAsync();
return 0;

static bool IsAlive(int pid)
{
    try
    {
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        return !process.HasExited;
    }
    catch (ArgumentException)
    {
        return false;
    }
}

static Dictionary<string, string> ParseArguments(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
        {
            throw new ArgumentException($"unexpected argument '{args[i]}'; expected --name value pairs");
        }

        result[args[i][2..]] = args[++i];
    }

    return result;
}

/// <summary>Entry point type (for the fault tests to find this assembly).</summary>
public partial class Program;
