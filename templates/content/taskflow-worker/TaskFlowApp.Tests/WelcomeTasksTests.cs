using Microsoft.Extensions.DependencyInjection;
using TaskFlow;
using TaskFlow.Testing;
using TaskFlowApp.Tasks;

namespace TaskFlowApp.Tests;

/// <summary>
/// Tests the task with TaskFlow's test harness (TaskFlow.Testing): no broker, no worker. The harness records every task
/// sent and runs it only when the test says so, through the same code a worker uses (the JSON round trip of its
/// arguments, dependency injection, the retry policy), on a fake clock. Guide: TaskFlow's docs/testing.md.
/// </summary>
public sealed class WelcomeTasksTests : IAsyncDisposable
{
    private readonly RecordingSender _sender = new();
    private readonly ServiceProvider _services;

    public WelcomeTasksTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IWelcomeEmailSender>(_sender);
        services.AddTaskFlow().AddTaskFlowAppTasks();   // as the worker's Program.cs registers them
        services.AddTaskFlowTestHarness();              // last: takes the transport's place
        _services = services.BuildServiceProvider();
    }

    private TaskFlowTestHarness Harness => _services.GetRequiredService<TaskFlowTestHarness>();

    private WelcomeTasks.Client Tasks => _services.GetRequiredService<WelcomeTasks.Client>();

    [Fact]
    public async Task Sending_the_welcome_email_task_records_it_and_running_it_sends_the_email_of_that_user()
    {
        await Tasks.SendWelcomeEmail.DelayAsync(42);

        var sent = Assert.Single(Harness.Sent);
        Assert.Equal(42, sent.Argument<int>("userId"));
        Assert.Equal("emails", sent.Queue);
        Assert.Empty(_sender.UserIds);                  // sent, not run yet

        var run = Assert.Single(await Harness.RunUntilIdleAsync());
        Assert.Equal("succeeded", run.Outcome);
        Assert.Equal([42], _sender.UserIds);
    }

    [Fact]
    public async Task A_failed_send_is_retried_after_its_backoff()
    {
        await Tasks.SendWelcomeEmail.DelayAsync(7);
        Harness.FailNext(Harness.Sent.Single().TaskName, new TimeoutException("the mail server did not answer"));

        var failed = Assert.Single(await Harness.RunUntilIdleAsync());
        Assert.Equal("retried", failed.Outcome);        // [Retry(3)]
        Assert.Empty(_sender.UserIds);
        Assert.Empty(await Harness.RunUntilIdleAsync()); // not due before its backoff

        Harness.AdvanceTime(failed.RetryDelay!.Value);
        var retried = Assert.Single(await Harness.RunUntilIdleAsync());
        Assert.Equal("succeeded", retried.Outcome);
        Assert.Equal(2, retried.Attempt);
        Assert.Equal([7], _sender.UserIds);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

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
