using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskFlow;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlowApp.Tasks;

// The web app: POST /users/{userId}/welcome sends the welcome email task and answers 202 Accepted at once, with the
// task's id; a worker (TaskFlowApp.Worker) runs it. GET /health reports the broker connection.
//
//   dotnet run --project TaskFlowApp.Web          # http://127.0.0.1:5080 (appsettings.json: Urls)
//   curl -i -X POST http://127.0.0.1:5080/users/42/welcome
var builder = WebApplication.CreateBuilder(args);

// Every TaskFlow setting is in appsettings.json's "TaskFlow" section; the environment overrides it
// (e.g. TaskFlow__RabbitMq__ConnectionUri=amqp://user:password@rabbitmq:5672/). No AddWorker here: this app only sends.
var taskflow = builder.Configuration.GetSection("TaskFlow");
builder.Services.AddTaskFlow(taskflow)
    .UseRabbitMq(taskflow.GetSection("RabbitMq"))
    .AddTaskFlowAppTasks();
builder.Services.AddHealthChecks().AddTaskFlow();

// Telemetry: each request's trace continues into the task's run on the worker (the trace context travels in the
// message). Traces and metrics go to an OpenTelemetry collector when OTEL_EXPORTER_OTLP_ENDPOINT is set.
var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
    .WithTracing(tracing =>
    {
        tracing.AddAspNetCoreInstrumentation().AddSource(TaskFlowTelemetry.Name);
        if (otlp)
        {
            tracing.AddOtlpExporter();
        }
    })
    .WithMetrics(metrics =>
    {
        metrics.AddAspNetCoreInstrumentation().AddMeter(TaskFlowTelemetry.Name);
        if (otlp)
        {
            metrics.AddOtlpExporter();
        }
    });

var app = builder.Build();

app.MapHealthChecks("/health");

app.MapPost("/users/{userId:int}/welcome", async (int userId, WelcomeTasks.Client tasks, CancellationToken cancellationToken) =>
{
    // Returns once RabbitMQ confirmed the message: a task that could not be sent throws here, it is never lost silently.
    var sent = await tasks.SendWelcomeEmail.DelayAsync(userId, cancellationToken);
    return Results.Accepted(value: new { taskId = sent.Id });
});

app.Run();
