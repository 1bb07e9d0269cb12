using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Signup;
using TaskFlow;
using TaskFlow.RabbitMq;

// The worker side of the signup example: a generic host whose TaskFlow worker consumes the "emails" and
// "notifications" queues and runs SignupTasks. Deploy as many copies as needed next to RabbitMQ; each
// one takes its share of the queues.
//
//   dotnet run --project examples/Signup/Signup.Worker
//
// Ctrl+C or SIGTERM (docker stop, systemd, Kubernetes) stops it gracefully: it stops taking messages,
// lets running tasks finish (TaskFlowWorkerOptions.ShutdownGracePeriod, 30 s by default) and acks them;
// anything not finished is left unacked and the broker hands it to another worker.
//
// Configuration (appsettings.json next to the binary, environment, command line): TaskFlow:RabbitMq:ConnectionUri
// (env TaskFlow__RabbitMq__ConnectionUri, default amqp://guest:guest@127.0.0.1:5672/), Signup:ConnectionString
// (env Signup__ConnectionString; the web app's PostgreSQL database).
// Telemetry (OpenTelemetry): TaskFlow's metrics in Prometheus format on http://127.0.0.1:9464/metrics (port: Telemetry:MetricsPort);
// traces of each run (in the trace of the request that sent it) to the console when Telemetry:ConsoleTraces is true and
// to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set.
// Settings are read next to the binary, whatever the working directory (systemd and friends start in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});

builder.Services.AddSignupStore(builder.Configuration);
// The state store: task states (GET /tasks/{id} in the web app), the idempotency check before each task,
// and an outbox relay (the web app runs one too: several relays never publish a row twice).
// Everything TaskFlow does here is configured in appsettings.json's "TaskFlow" section (the queues too: both are
// I/O-bound, a few tasks at a time each, and separate so that a slow mail provider never holds up SMS).
var taskflow = builder.Configuration.GetSection("TaskFlow");
builder.Services.AddTaskFlow(taskflow)
    .UseRabbitMq(taskflow.GetSection("RabbitMq"))
    .AddSignupTasks()
    .AddSignupStateStore(taskflow.GetSection("State"))
    .AddWorker(taskflow.GetSection("Worker"));

builder.Services.AddOpenTelemetry()
    .ConfigureResource(r => r.AddService("signup-worker"))
    .WithTracing(t =>
    {
        t.AddSource(TaskFlowTelemetry.Name);
        if (builder.Configuration.GetValue<bool>("Telemetry:ConsoleTraces"))
        {
            t.AddConsoleExporter();
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            t.AddOtlpExporter();
        }
    })
    .WithMetrics(m => m.AddMeter(TaskFlowTelemetry.Name).AddPrometheusHttpListener(o =>
    {
        o.Host = "127.0.0.1";
        o.Port = builder.Configuration.GetValue("Telemetry:MetricsPort", 9464);
    }));

using var host = builder.Build();
await host.RunAsync();
