using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using TaskFlow;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.Telemetry.Worker;
using TaskFlow.TestSupport;

// The worker process of the cross-process trace test:
//   TASKFLOW_TELEMETRY_QUEUE=<queue> dotnet TaskFlow.Telemetry.Worker.dll
// Consumes the queue (exchanges <queue>.x and <queue>.dlx) with OpenTelemetry tracing on TaskFlow's source; prints
// WORKER-READY once it consumes, then one SPAN line per span it ends (SpanPrinter).
var queue = Environment.GetEnvironmentVariable("TASKFLOW_TELEMETRY_QUEUE") ?? throw new InvalidOperationException("TASKFLOW_TELEMETRY_QUEUE is not set");

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(TaskFlowTelemetry.Name).AddProcessor(new SpanPrinter()));
builder.Services.AddTaskFlow(o => o.DefaultQueue = queue).UseRabbitMq(o =>
{
    o.ConnectionUri = TestEnvironment.BrokerUri;
    o.ExchangeName = queue + ".x";
    o.DeadLetterExchangeName = queue + ".dlx";
}).AddTaskFlowTelemetryWorkerTasks().AddWorker(w =>
{
    w.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
    w.AddQueue(queue, concurrency: 2, prefetch: 8);
});

using var host = builder.Build();
await host.StartAsync();
await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(60));
Console.Out.WriteLine("WORKER-READY");
Console.Out.Flush();
await host.WaitForShutdownAsync();
