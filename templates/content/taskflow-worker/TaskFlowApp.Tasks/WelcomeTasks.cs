using TaskFlow;

namespace TaskFlowApp.Tasks;

/// <summary>
/// The app's background tasks. The generator adds <c>WelcomeTasks.Client</c> (the typed proxies: inject it and call
/// <c>await tasks.SendWelcomeEmail.DelayAsync(userId)</c>) and <c>AddTaskFlowAppTasks()</c> (the registration).
/// </summary>
public static partial class WelcomeTasks
{
    /// <summary>
    /// Sends the welcome email of a new user. Only the id travels in the message (pass ids, not entities: the task
    /// reads what it needs when it runs); the sender comes from dependency injection. Safe to run twice (a message
    /// can be delivered again after a worker crash).
    /// </summary>
    [Task(Queue = "emails")]
    [Retry(3)]
    public static Task SendWelcomeEmail(int userId, IWelcomeEmailSender sender, CancellationToken cancellationToken) =>
        sender.SendAsync(userId, cancellationToken);
}
