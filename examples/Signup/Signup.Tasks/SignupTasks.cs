using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskFlow;

namespace Signup;

/// <summary>
/// What happens after a signup, in the background: the web request only enqueues these three tasks and
/// answers at once; a worker sends the email, the SMS and the app notification.
/// </summary>
/// <remarks>
/// <para>
/// The source generator turns each <c>[Task]</c> method into a typed proxy on <c>SignupTasks.Client</c>
/// (<c>await tasks.SendWelcomeEmail.DelayAsync(userId, ct)</c>) and registers it with the worker through
/// <c>services.AddTaskFlow(...).AddSignupTasks()</c>. Wire names default to
/// <c>signup.signup_tasks.send_welcome_email</c> and so on.
/// </para>
/// <para>
/// Only <c>userId</c> is a message argument. The other parameters are supplied when the task runs:
/// interfaces (<see cref="IUserDirectory"/>, <see cref="INotificationLog"/>, <see cref="ILoggerFactory"/>)
/// from the worker's DI container, <see cref="TaskContext"/> and <see cref="CancellationToken"/> by the
/// runtime. Passing the id rather than the user means the task reads the user as they are when it runs,
/// not as they were when it was queued (an email address corrected in between, a user deleted).
/// </para>
/// <para>
/// Delivery is at least once, so each task is idempotent: it checks <see cref="INotificationLog"/> first and
/// records what it sent, and a redelivered message finds the notification already sent and does nothing.
/// </para>
/// </remarks>
public static partial class SignupTasks
{
    private const string LogCategory = "Signup.SignupTasks";

    /// <summary>Sends the welcome email. I/O-bound, on its own queue so that a slow mail provider delays nothing else.</summary>
    [Task(Queue = "emails")]
    public static async Task SendWelcomeEmail(
        int userId,
        IUserDirectory users,
        INotificationLog notifications,
        ILoggerFactory loggerFactory,
        TaskContext context,
        CancellationToken cancellationToken)
    {
        var log = loggerFactory.CreateLogger(LogCategory);
        var user = await FindUserToNotifyAsync(userId, NotificationChannel.WelcomeEmail, users, notifications, log, context, cancellationToken);
        if (user is null)
        {
            return;
        }

        await SimulateProviderCallAsync(cancellationToken); // stands in for the mail provider's API
        await notifications.RecordSentAsync(userId, NotificationChannel.WelcomeEmail, cancellationToken);
        SignupLog.WelcomeEmailSent(log, userId, user.Email, context.TaskId, context.Attempt);
    }

    /// <summary>Sends the welcome SMS, if the user gave a phone number.</summary>
    [Task(Queue = "notifications")]
    public static async Task SendSms(
        int userId,
        IUserDirectory users,
        INotificationLog notifications,
        ILoggerFactory loggerFactory,
        TaskContext context,
        CancellationToken cancellationToken)
    {
        var log = loggerFactory.CreateLogger(LogCategory);
        var user = await FindUserToNotifyAsync(userId, NotificationChannel.Sms, users, notifications, log, context, cancellationToken);
        if (user is null)
        {
            return;
        }

        if (user.Phone is null)
        {
            SignupLog.NoPhone(log, userId, context.TaskId);
            return;
        }

        await SimulateProviderCallAsync(cancellationToken); // stands in for the SMS gateway's API
        await notifications.RecordSentAsync(userId, NotificationChannel.Sms, cancellationToken);
        SignupLog.SmsSent(log, userId, user.Phone, context.TaskId, context.Attempt);
    }

    /// <summary>Sends the in-app (push) notification.</summary>
    [Task(Queue = "notifications")]
    public static async Task SendAppNotification(
        int userId,
        IUserDirectory users,
        INotificationLog notifications,
        ILoggerFactory loggerFactory,
        TaskContext context,
        CancellationToken cancellationToken)
    {
        var log = loggerFactory.CreateLogger(LogCategory);
        var user = await FindUserToNotifyAsync(userId, NotificationChannel.AppNotification, users, notifications, log, context, cancellationToken);
        if (user is null)
        {
            return;
        }

        var name = user.Email.Split('@')[0];
        await SimulateProviderCallAsync(cancellationToken); // stands in for the push service's API
        await notifications.RecordSentAsync(userId, NotificationChannel.AppNotification, cancellationToken);
        SignupLog.AppNotificationSent(log, userId, $"Welcome aboard, {name}!", context.TaskId, context.Attempt);
    }

    /// <summary>
    /// The user to notify, or <c>null</c> (logged) when there is nothing to do: the user no longer exists,
    /// or this notification was already sent (a redelivered or duplicate task).
    /// </summary>
    private static async Task<User?> FindUserToNotifyAsync(
        int userId,
        NotificationChannel channel,
        IUserDirectory users,
        INotificationLog notifications,
        ILogger log,
        TaskContext context,
        CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(userId, cancellationToken);
        if (user is null)
        {
            SignupLog.UserNotFound(log, userId, channel, context.TaskId);
            return null;
        }

        if (await notifications.SentAtAsync(userId, channel, cancellationToken) is { } sentAt)
        {
            SignupLog.AlreadySent(log, userId, channel, sentAt, context.TaskId, context.Attempt);
            return null;
        }

        return user;
    }

    /// <summary>A provider call takes a few hundred milliseconds: the time the web request no longer waits for.</summary>
    private static Task SimulateProviderCallAsync(CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(200, 501)), cancellationToken);
}

/// <summary>The example's log lines (source-generated). Each starts with the user, so one grep finds a user's story.</summary>
internal static partial class SignupLog
{
    [LoggerMessage(1, LogLevel.Information, "[user {UserId}] welcome email sent to {Email} (task {TaskId}, attempt {Attempt})")]
    public static partial void WelcomeEmailSent(ILogger logger, int userId, string email, string taskId, int attempt);

    [LoggerMessage(2, LogLevel.Information, "[user {UserId}] SMS sent to {Phone} (task {TaskId}, attempt {Attempt})")]
    public static partial void SmsSent(ILogger logger, int userId, string phone, string taskId, int attempt);

    [LoggerMessage(3, LogLevel.Information, "[user {UserId}] app notification sent: \"{Text}\" (task {TaskId}, attempt {Attempt})")]
    public static partial void AppNotificationSent(ILogger logger, int userId, string text, string taskId, int attempt);

    [LoggerMessage(4, LogLevel.Information, "[user {UserId}] no phone number; SMS skipped (task {TaskId})")]
    public static partial void NoPhone(ILogger logger, int userId, string taskId);

    [LoggerMessage(5, LogLevel.Warning, "[user {UserId}] not found (deleted since signing up?); {Channel} not sent (task {TaskId})")]
    public static partial void UserNotFound(ILogger logger, int userId, NotificationChannel channel, string taskId);

    [LoggerMessage(6, LogLevel.Information, "[user {UserId}] {Channel} was already sent at {SentAt:O}; nothing to do (task {TaskId}, attempt {Attempt})")]
    public static partial void AlreadySent(ILogger logger, int userId, NotificationChannel channel, DateTimeOffset sentAt, string taskId, int attempt);
}
