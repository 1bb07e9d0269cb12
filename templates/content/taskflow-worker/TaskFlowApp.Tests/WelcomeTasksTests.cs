using Microsoft.Extensions.DependencyInjection;
using TaskFlow;
using TaskFlowApp.Tasks;

namespace TaskFlowApp.Tests;

/// <summary>
/// Tests the task with TaskFlow's eager mode: no broker. A send runs the task inline, after a real JSON round trip of
/// its arguments, so what would fail on the wire fails here too.
/// </summary>
public sealed class WelcomeTasksTests
{
    [Fact]
    public async Task Sending_the_welcome_email_task_sends_the_email_of_that_user()
    {
        var sender = new RecordingSender();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IWelcomeEmailSender>(sender);
        services.AddTaskFlow(options => options.Eager = true).AddTaskFlowAppTasks();
        await using var provider = services.BuildServiceProvider();
        var tasks = provider.GetRequiredService<WelcomeTasks.Client>();

        var handle = await tasks.SendWelcomeEmail.DelayAsync(42);

        Assert.Equal([42], sender.UserIds);
        Assert.Equal("emails", handle.Queue);
    }

    private sealed class RecordingSender : IWelcomeEmailSender
    {
        public List<int> UserIds { get; } = [];

        public Task SendAsync(int userId, CancellationToken cancellationToken)
        {
            UserIds.Add(userId);
            return Task.CompletedTask;
        }
    }
}
