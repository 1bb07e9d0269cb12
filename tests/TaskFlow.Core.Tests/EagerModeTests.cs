using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>Eager mode executes the worker's settlement inline: no broker, no database.</summary>
public sealed class EagerModeTests
{
    private static ServiceProvider Eager()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow(o => o.Eager = true).AddTaskFlowCoreTestsTasks();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_task_runs_inline_after_a_round_trip_of_its_message()
    {
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<CoreTasks.Client>();

        var handle = await tasks.Add.DelayAsync(20, 22);

        handle.TaskName.ShouldBe("core.add");
        handle.Queue.ShouldBe("core");
    }

    [Fact]
    public async Task A_retry_the_policy_allows_runs_again_at_once_with_the_attempt_counted()
    {
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<CoreTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        await tasks.Flaky.DelayAsync(key, 2);

        CoreTasks.Attempts[key].ShouldBe(3, "two failures, then the second retry succeeds (policy: 3 retries, 60 s delay not waited for)");
    }

    [Fact]
    public async Task Past_its_retries_the_tasks_own_exception_reaches_the_caller()
    {
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<CoreTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        var error = await Should.ThrowAsync<TimeoutException>(async () => await tasks.Flaky.DelayAsync(key, 10));

        error.Message.ShouldBe($"attempt 4 of {key} failed");
        CoreTasks.Attempts[key].ShouldBe(4);
    }

    [Fact]
    public async Task The_soft_time_limit_runs_on_the_time_provider()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddTaskFlow(o => o.Eager = true).AddTaskFlowCoreTestsTasks();
        await using var provider = services.BuildServiceProvider();
        var tasks = provider.GetRequiredService<CoreTasks.Client>();

        var running = tasks.Slow.ApplyAsync(600_000, new SendOptions { SoftTimeLimit = TimeSpan.FromSeconds(5) }).AsTask();
        await Task.Delay(200);
        running.IsCompleted.ShouldBeFalse("no fake time has passed");
        time.Advance(TimeSpan.FromSeconds(6));

        await Should.ThrowAsync<OperationCanceledException>(running.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_failure_without_retries_throws_at_once()
    {
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<CoreTasks.Client>();

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Fail.DelayAsync("eager boom"));

        error.Message.ShouldBe("eager boom");
    }
}
