namespace TaskFlowApp.Tasks;

/// <summary>Sends welcome emails: replace <see cref="LoggingWelcomeEmailSender"/> with your mail provider.</summary>
public interface IWelcomeEmailSender
{
    /// <summary>Sends the welcome email of a user.</summary>
    Task SendAsync(int userId, CancellationToken cancellationToken);
}
