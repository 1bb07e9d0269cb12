using System.Threading;
using System.Threading.Tasks;
using TaskFlow;

namespace AnalyzerSamples;

public static partial class WelcomeTasks
{
    [Task(Queue = "emails")]
    public static Task SendWelcomeEmail(User user, IMailer mailer, CancellationToken cancellationToken) => // expect: TF1001
        mailer.SendTemplateAsync(user.Id, "welcome", cancellationToken);
}

public sealed class SignupService(WelcomeTasks.Client tasks)
{
    public async Task CompleteSignupAsync(User user, CancellationToken cancellationToken) =>
        await tasks.SendWelcomeEmail.DelayAsync(user, cancellationToken); // expect: TF1008
}
