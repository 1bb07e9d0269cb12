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
using Signup;
using Signup.Web;
using TaskFlow;

// The web side of the signup example. POST /signup creates the user, enqueues the welcome email, the SMS
// and the app notification, and answers 202 Accepted right away: the request never waits for an email
// provider. A worker (Signup.Worker) runs the tasks.
//
//   dotnet run --project examples/Signup/Signup.Web                 # http://127.0.0.1:5080
//   dotnet run --project examples/Signup/Signup.Web --urls http://127.0.0.1:6000
//   curl -i -X POST http://127.0.0.1:5080/signup -H 'Content-Type: application/json' \
//        -d '{"email":"ada@example.com","phone":"+44 20 7946 0000"}'
//
// Configuration (appsettings.json, environment, command line): TaskFlow:ConnectionUri
// (env TaskFlow__ConnectionUri), Signup:DataDirectory (env Signup__DataDirectory; shared with the worker).
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
builder.Services.AddTaskFlow(builder.Configuration.GetSection("TaskFlow")).AddSignupTasks();
builder.Services.AddHealthChecks();
builder.Services.AddProblemDetails(); // error answers (e.g. malformed JSON) as application/problem+json

var app = builder.Build();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Signup.Web");
app.UseStatusCodePages(); // bodiless errors (malformed JSON, unknown route) get a problem+json body too

app.MapHealthChecks("/health");

app.MapPost("/signup", async (
    SignupRequest? request,
    IUserDirectory users,
    SignupTasks.Client tasks,
    CancellationToken cancellationToken) =>
{
    var errors = Validate(request);
    if (errors is not null)
    {
        return Results.ValidationProblem(errors, detail: string.Join(" ", Flatten(errors)));
    }

    var started = Stopwatch.GetTimestamp();
    var user = await users.CreateAsync(request!.Email!.Trim(), request.Phone?.Trim(), cancellationToken);

    // Only the id goes into the messages; the worker looks the user up when each task runs. Each
    // DelayAsync returns once RabbitMQ has confirmed the message: nothing waits for the tasks themselves.
    // From here on the request's token is not passed: a client hanging up must not leave a user with only
    // some of its notifications queued. (Creating the user and enqueueing are still two steps; the
    // PostgreSQL version of this example makes them one transaction with TaskFlow's outbox.)
    TaskHandle email, sms, push;
    try
    {
        email = await tasks.SendWelcomeEmail.DelayAsync(user.Id, CancellationToken.None);
        sms = await tasks.SendSms.DelayAsync(user.Id, CancellationToken.None);
        push = await tasks.SendAppNotification.DelayAsync(user.Id, CancellationToken.None);
    }
    catch (TaskPublishException ex)
    {
        WebLog.EnqueueFailed(log, ex, user.Id);
        return Results.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The notifications could not be queued",
            detail: $"User {user.Id} was created, but RabbitMQ did not accept its tasks: {ex.Message}");
    }

    var elapsed = Stopwatch.GetElapsedTime(started);
    WebLog.SignedUp(log, user.Id, user.Email, elapsed.TotalMilliseconds);
    return Results.Accepted($"/users/{user.Id}", new SignupAccepted(
        user.Id,
        $"/users/{user.Id}",
        [
            new QueuedTask("welcome-email", email.Id, email.TaskName, email.Queue),
            new QueuedTask("sms", sms.Id, sms.TaskName, sms.Queue),
            new QueuedTask("app-notification", push.Id, push.TaskName, push.Queue),
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

    /// <summary>One queued task.</summary>
    public sealed record QueuedTask(string Kind, string Id, string Name, string Queue);

    /// <summary>The answer to <c>GET /users/{id}</c>.</summary>
    public sealed record UserStatus(int Id, string Email, string? Phone, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, DateTimeOffset?> Sent);

    internal static partial class WebLog
    {
        [LoggerMessage(1, LogLevel.Information, "[user {UserId}] signed up as {Email}; 3 tasks queued, answered after {ElapsedMs:F1} ms")]
        public static partial void SignedUp(ILogger logger, int userId, string email, double elapsedMs);

        [LoggerMessage(2, LogLevel.Error, "[user {UserId}] created, but its tasks could not be queued")]
        public static partial void EnqueueFailed(ILogger logger, Exception exception, int userId);
    }
}
