using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskFlow;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlowApp.Tasks;
using TaskFlowApp.Worker;

// The worker: consumes the queues in appsettings.json (TaskFlow:Worker:Queues) and runs the tasks sent to them.
// Run as many copies as you need next to RabbitMQ; each takes its share of the messages.
//
//   dotnet run --project TaskFlowApp.Worker
//
// Ctrl+C or SIGTERM stops it gracefully: it takes no new message, lets running tasks finish
// (TaskFlow:Worker:ShutdownGracePeriod), and leaves the rest to the broker for another worker.
var builder = Host.CreateApplicationBuilder(args);

// Every TaskFlow setting is in appsettings.json's "TaskFlow" section; the environment overrides it
// (e.g. TaskFlow__RabbitMq__ConnectionUri=amqp://user:password@rabbitmq:5672/).
var taskflow = builder.Configuration.GetSection("TaskFlow");
builder.Services.AddTaskFlow(taskflow)
    .UseRabbitMq(taskflow.GetSection("RabbitMq"))
    .AddTaskFlowAppTasks()
    .AddWorker(taskflow.GetSection("Worker"));
builder.Services.AddSingleton<IWelcomeEmailSender, LoggingWelcomeEmailSender>();

// Health: the "taskflow" check (is every queue consumed, is the broker reachable), published to the log every 30 s.
builder.Services.AddHealthChecks().AddTaskFlow();
builder.Services.AddSingleton<IHealthCheckPublisher, LoggingHealthCheckPublisher>();

// Telemetry: TaskFlow's traces and metrics (source and meter "TaskFlow") go to an OpenTelemetry collector when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://localhost:4317). Each task also writes one summary log line.
var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
    .WithTracing(tracing =>
    {
        tracing.AddSource(TaskFlowTelemetry.Name);
        if (otlp)
        {
            tracing.AddOtlpExporter();
        }
    })
    .WithMetrics(metrics =>
    {
        metrics.AddMeter(TaskFlowTelemetry.Name);
        if (otlp)
        {
            metrics.AddOtlpExporter();
        }
    });

await builder.Build().RunAsync();
