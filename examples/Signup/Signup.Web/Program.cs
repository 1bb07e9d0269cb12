using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Mail;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Signup;
using Signup.Web;
using TaskFlow;
using TaskFlow.Dashboard;
using TaskFlow.RabbitMq;
using TaskFlow.State;

// The web side of the signup example. POST /signup creates the user and enqueues the welcome email, the SMS
// and the app notification in ONE PostgreSQL transaction (TaskFlow's transactional outbox), and answers
// 202 Accepted right away: the request never waits for an email provider, and there is never a user without
// its notifications nor a notification for a user that was rolled back. The outbox relay (a hosted service
// here and in the worker) publishes the tasks after the commit; a worker (Signup.Worker) runs them.
// GET /tasks/{id} reports each task's state: processing, done, or failed with the reason. GET /taskflow/ is the TaskFlow dashboard.
//
//   dotnet run --project examples/Signup/Signup.Web                 # http://127.0.0.1:5080
//   dotnet run --project examples/Signup/Signup.Web --urls http://127.0.0.1:6000
//   curl -i -X POST http://127.0.0.1:5080/signup -H 'Content-Type: application/json' \
//        -d '{"email":"ada@example.com","phone":"+44 20 7946 0000"}'
//
// Configuration (appsettings.json, environment, command line): TaskFlow:RabbitMq:ConnectionUri
// (env TaskFlow__RabbitMq__ConnectionUri), Signup:ConnectionString (env Signup__ConnectionString; the PostgreSQL database
// shared with the worker; `bash scripts/postgres.sh` starts one and prints its connection string).
// Telemetry (OpenTelemetry): GET /metrics serves TaskFlow's metrics (and ASP.NET Core's) in Prometheus format; traces
// (each request, its sends, and through the message headers the worker's runs) go to the console when
// Telemetry:ConsoleTraces is true (env Telemetry__ConsoleTraces) and to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set.
// Settings are read next to the binary, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey])
    && string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.HttpPortsKey]))
{
    // Loopback by default; --urls or ASPNETCORE_URLS choose otherwise.
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});

builder.Services.AddSignupStore(builder.Configuration);
var taskflow = builder.Configuration.GetSection("TaskFlow");
builder.Services.AddTaskFlow(taskflow)
    .UseRabbitMq(taskflow.GetSection("RabbitMq"))
    .AddSignupTasks()
    .AddSignupStateStore(taskflow.GetSection("State"));
builder.Services.AddOpenTelemetry()
    .ConfigureResource(r => r.AddService("signup-web"))
    .WithTracing(t =>
    {
        t.AddAspNetCoreInstrumentation().AddSource(TaskFlowTelemetry.Name);
        if (builder.Configuration.GetValue<bool>("Telemetry:ConsoleTraces"))
        {
            t.AddConsoleExporter();
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            t.AddOtlpExporter();
        }
    })
    .WithMetrics(m => m.AddMeter(TaskFlowTelemetry.Name).AddAspNetCoreInstrumentation().AddPrometheusExporter());
builder.Services.AddHealthChecks();
// The TaskFlow dashboard at /taskflow (docs/dashboard.md). The app listens on loopback; before exposing it, add
// authentication and .RequireAuthorization(...) to MapTaskFlowDashboard, and set ActionsPolicy.
builder.Services.AddTaskFlowDashboard();
builder.Services.AddProblemDetails(); // error answers (e.g. malformed JSON) as application/problem+json

var app = builder.Build();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Signup.Web");
app.UseStatusCodePages(); // bodiless errors (malformed JSON, unknown route) get a problem+json body too

app.MapHealthChecks("/health");
app.MapTaskFlowDashboard("/taskflow"); // GET /taskflow/: overview, queues, workers, tasks, dead letters, entities
app.MapPrometheusScrapingEndpoint(); // GET /metrics: what a Prometheus server scrapes

app.MapPost("/signup", async (
    SignupRequest? request,
    IUserDirectory users,
    PostgresSignupStore store,
    TaskStateStore taskStates,
    CancellationToken cancellationToken) =>
{
    var errors = Validate(request);
    if (errors is not null)
    {
        return Results.ValidationProblem(errors, detail: string.Join(" ", Flatten(errors)));
    }

    var started = Stopwatch.GetTimestamp();

    // The user row and its three tasks commit together (TaskFlow's transactional outbox): the tasks are
    // written to the outbox table in this transaction and published by the relay after the commit. A
    // rollback (or a crash before the commit) leaves neither; RabbitMQ being down delays the tasks, it does
    // not lose them or fail the signup. Only the id goes into the messages; the worker reads the user when
    // each task runs.
    User user;
    TaskHandle email, sms, push;
    await using (var connection = await store.DataSource.OpenConnectionAsync(cancellationToken))
    await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
    {
        user = await users.CreateAsync(request!.Email!.Trim(), request.Phone?.Trim(), transaction, cancellationToken);
        var tasks = new SignupTasks.Client(taskStates.Outbox(transaction));
        email = await tasks.SendWelcomeEmail.DelayAsync(user.Id, cancellationToken);
        sms = await tasks.SendSms.DelayAsync(user.Id, cancellationToken);
        push = await tasks.SendAppNotification.DelayAsync(user.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    var elapsed = Stopwatch.GetElapsedTime(started);
    WebLog.SignedUp(log, user.Id, user.Email, elapsed.TotalMilliseconds);
    return Results.Accepted($"/users/{user.Id}", new SignupAccepted(
        user.Id,
        $"/users/{user.Id}",
        [
            new QueuedTask("welcome-email", email.Id, email.TaskName, email.Queue, $"/tasks/{email.Id}"),
            new QueuedTask("sms", sms.Id, sms.TaskName, sms.Queue, $"/tasks/{sms.Id}"),
            new QueuedTask("app-notification", push.Id, push.TaskName, push.Queue, $"/tasks/{push.Id}"),
        ]));
});

// What the client can poll: which notifications have gone out so far.
app.MapGet("/users/{id:int}", async (int id, IUserDirectory users, INotificationLog notifications, CancellationToken cancellationToken) =>
{
    var user = await users.FindAsync(id, cancellationToken);
    if (user is null)
    {
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such user", detail: $"There is no user {id}.");
    }

    var sent = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
    foreach (var channel in Enum.GetValues<NotificationChannel>())
    {
        sent[channel.ToString()] = await notifications.SentAtAsync(id, channel, cancellationToken);
    }

    return Results.Ok(new UserStatus(user.Id, user.Email, user.Phone, user.CreatedAt, sent));
});

// Error feedback for the request that enqueued the work: "processing", "done" or "failed" with the reason.
app.MapGet("/tasks/{id}", async (string id, TaskStateStore taskStates, CancellationToken cancellationToken) =>
{
    var info = await taskStates.GetAsync(id, cancellationToken);
    if (info is null)
    {
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such task", detail: $"The state store has no task {id} (never enqueued, or its record expired).");
    }

    var status = info.State switch
    {
        TaskState.Succeeded => "done",
        TaskState.Pending or TaskState.Started or TaskState.Retrying => "processing",
        _ => "failed",
    };
    return Results.Ok(new TaskFeedback(info.TaskId, info.TaskName, status, info.State.ToWireName(), status == "failed" ? info.Error ?? info.State.ToWireName() : null, info.Attempts, info.CreatedAt, info.CompletedAt));
});

await app.RunAsync();

static Dictionary<string, string[]>? Validate(SignupRequest? request)
{
    var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
    if (request is null || string.IsNullOrWhiteSpace(request.Email))
    {
        errors["email"] = ["An email address is required: send a JSON body with an email field and, optionally, a phone field."];
    }
    else if (!MailAddress.TryCreate(request.Email.Trim(), out var address) || address.Address != request.Email.Trim())
    {
        errors["email"] = [$"'{request.Email}' is not a valid email address."];
    }

    if (request?.Phone is { } phone && phone.Trim().Length is > 0 and (< 5 or > 32))
    {
        errors["phone"] = ["The phone number must be 5 to 32 characters long (or left out)."];
    }

    return errors.Count == 0 ? null : errors;
}

static IEnumerable<string> Flatten(Dictionary<string, string[]> errors)
{
    foreach (var messages in errors.Values)
    {
        foreach (var message in messages)
        {
            yield return message;
        }
    }
}

namespace Signup.Web
{
    /// <summary>The body of <c>POST /signup</c>.</summary>
    /// <param name="Email">Required.</param>
    /// <param name="Phone">Optional; without it no SMS is sent.</param>
    public sealed record SignupRequest(string? Email, string? Phone);

    /// <summary>The 202 answer to <c>POST /signup</c>: the new user and the tasks queued for it.</summary>
    public sealed record SignupAccepted(int UserId, string StatusUrl, IReadOnlyList<QueuedTask> Tasks);

    /// <summary>One queued task, and where to ask how it is doing.</summary>
    public sealed record QueuedTask(string Kind, string Id, string Name, string Queue, string StatusUrl);

    /// <summary>The answer to <c>GET /tasks/{id}</c>.</summary>
    /// <param name="Status"><c>processing</c>, <c>done</c> or <c>failed</c>.</param>
    /// <param name="Reason">Why it failed (the error, or revoked/expired/dead-lettered).</param>
    public sealed record TaskFeedback(string Id, string? Name, string Status, string State, string? Reason, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

    /// <summary>The answer to <c>GET /users/{id}</c>.</summary>
    public sealed record UserStatus(int Id, string Email, string? Phone, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, DateTimeOffset?> Sent);

    internal static partial class WebLog
    {
        [LoggerMessage(1, LogLevel.Information, "[user {UserId}] signed up as {Email}; user and 3 tasks committed together (outbox), answered after {ElapsedMs:F1} ms")]
        public static partial void SignedUp(ILogger logger, int userId, string email, double elapsedMs);
    }
}
