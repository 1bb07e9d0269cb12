using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.RabbitMq;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Worker;

/// <summary>
/// <c>dotnet TaskFlow.State.Worker.dll unique-race COUNT KEY GO-FILE</c> (with <c>TASKFLOW_STATE_PG</c>, <c>_SCHEMA</c>,
/// <c>_QUEUE</c>): a client process of the unique-key race (UniqueTaskTests). It gets ready (schema, pooled
/// connections), prints <c>RACE-READY</c>, waits for GO-FILE to exist, then enqueues
/// <see cref="UniqueTasks.Race"/> with KEY COUNT times at once and prints one <c>RACE id deduplicated</c> line per enqueue.
/// </summary>
public static class UniqueRace
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = int.Parse(args[1], CultureInfo.InvariantCulture);
        var key = args[2];
        var go = args[3];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTaskFlow().UseRabbitMq(o =>
        {
            o.ConnectionUri = TestEnvironment.BrokerUri;
            o.QueueType = QueueType.Classic;
        }).AddTaskFlowStateWorkerTasks().AddStateStore(o =>
        {
            o.UsePostgreSql(NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("TASKFLOW_STATE_PG")!));
            o.Schema = Environment.GetEnvironmentVariable("TASKFLOW_STATE_SCHEMA")!;
        });
        using var host = builder.Build();
        await host.StartAsync();
        var queue = Environment.GetEnvironmentVariable("TASKFLOW_STATE_QUEUE")!;
        var tasks = host.Services.GetRequiredService<UniqueTasks.Client>();
        var store = host.Services.GetRequiredService<TaskFlow.State.TaskStateStore>();

        // Warm up what the race must not wait for: the schema check and pooled connections (the claims come before the publish).
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => store.GetAsync("warm-up")));
        Console.WriteLine("RACE-READY");
        while (!File.Exists(go))
        {
            await Task.Delay(5);
        }

        var handles = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
            await tasks.Race.ApplyAsync(key, i, new SendOptions { Queue = queue }))));
        foreach (var handle in handles)
        {
            Console.WriteLine($"RACE {handle.Id} {handle.Deduplicated}");
        }

        Console.WriteLine("RACE-DONE");
        await host.StopAsync();
        return 0;
    }
}
