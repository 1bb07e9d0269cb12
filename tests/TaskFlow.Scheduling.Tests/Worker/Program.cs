using System;
using System.Globalization;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow;
using TaskFlow.RabbitMq;
using TaskFlow.Scheduling;
using TaskFlow.Scheduling.Worker;
using TaskFlow.State;
using TaskFlow.TestSupport;

// A scheduler process: TASKFLOW_SCHED_SCHEMA=<schema> TASKFLOW_SCHED_QUEUE=<queue> TASKFLOW_SCHED_SCHEDULES=<n>
// [TASKFLOW_SCHED_LEASE_MS=3000] dotnet TaskFlow.Scheduling.Worker.dll
// Stores n schedules "tick-<i>" (every second, AllowAll) and takes part in the scheduler election. Prints
// "SCHEDULER-READY", and "LEASE <token>" when it holds the lease.
var schema = Environment.GetEnvironmentVariable("TASKFLOW_SCHED_SCHEMA") ?? throw new InvalidOperationException("TASKFLOW_SCHED_SCHEMA is not set");
var queue = Environment.GetEnvironmentVariable("TASKFLOW_SCHED_QUEUE") ?? throw new InvalidOperationException("TASKFLOW_SCHED_QUEUE is not set");
var schedules = int.Parse(Environment.GetEnvironmentVariable("TASKFLOW_SCHED_SCHEDULES") ?? "4", CultureInfo.InvariantCulture);
var leaseMs = int.Parse(Environment.GetEnvironmentVariable("TASKFLOW_SCHED_LEASE_MS") ?? "3000", CultureInfo.InvariantCulture);

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("TaskFlow.Scheduling", LogLevel.Information);
var taskflow = builder.Services.AddTaskFlow().UseRabbitMq(o =>
{
    o.ConnectionUri = TestEnvironment.BrokerUri;
    o.QueueType = QueueType.Classic;
}).AddTaskFlowSchedulingWorkerTasks().AddStateStore(o =>
{
    o.UsePostgreSql(NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString));
    o.Schema = schema;
    o.OutboxPollInterval = TimeSpan.FromMilliseconds(50);
    o.CleanupInterval = TimeSpan.Zero;
}).AddScheduler(o =>
{
    o.LeaseDuration = TimeSpan.FromMilliseconds(leaseMs);
    o.TickInterval = TimeSpan.FromMilliseconds(100);
    o.MisfireThreshold = TimeSpan.FromSeconds(30);
});
for (var i = 0; i < schedules; i++)
{
    var key = "tick-" + i.ToString(CultureInfo.InvariantCulture);
    taskflow.AddSchedule<ScheduledTasks.Client>(key, c => c.Tick.ApplyAsync(key, new SendOptions { Queue = queue }), s =>
    {
        s.Cron = "* * * * * *";
        s.Overlap = OverlapPolicy.AllowAll;
        s.CatchUp = CatchUpPolicy.RunAll;
    });
}

// Only the tick schedules of this test: the [Periodic] ones of the assembly stay out of the database.
foreach (var declared in builder.Services.Where(d => d.ImplementationInstance is TaskFlow.Scheduling.Internal.DeclaredSchedule s && !s.Name.StartsWith("tick-", StringComparison.Ordinal)).ToList())
{
    builder.Services.Remove(declared);
}

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("SCHEDULER-READY");
Console.Out.Flush();
await host.WaitForShutdownAsync();
return 0;
