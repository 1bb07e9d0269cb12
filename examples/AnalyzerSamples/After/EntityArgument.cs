using System.Threading;
using System.Threading.Tasks;
using TaskFlow;

namespace AnalyzerSamples;

public static partial class WelcomeTasks
{
    [Task(Queue = "emails")]
    public static Task SendWelcomeEmail(int userId, IMailer mailer, CancellationToken cancellationToken) =>
        mailer.SendTemplateAsync(userId, "welcome", cancellationToken);
}

public sealed class SignupService(WelcomeTasks.Client tasks)
{
    public async Task CompleteSignupAsync(User user, CancellationToken cancellationToken) =>
        await tasks.SendWelcomeEmail.DelayAsync(user.Id, cancellationToken);
}
