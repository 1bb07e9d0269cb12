using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace TaskFlow.Testing.Tests;

/// <summary>Eager mode without a state store: results are kept in memory (bounded) for the handles.</summary>
public sealed class EagerResultTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public EagerResultTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Effects>();
        services.AddTaskFlow(o => o.Eager = true).AddTaskFlowTestingTestsTasks();
        _services = services.BuildServiceProvider();
    }

    private HarnessTasks.Client Tasks => _services.GetRequiredService<HarnessTasks.Client>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task GetResultAsync_WithoutAStore_ReturnsTheResult()
    {
        var handle = await Tasks.Score.DelayAsync(4, bonus: 2);

        (await handle.GetResultAsync()).ShouldBe(42);
        (await handle.WaitAsync(TimeSpan.FromSeconds(5))).ShouldBe(42);
        var state = (await handle.GetStateAsync()).ShouldNotBeNull();
        state.State.ShouldBe(TaskState.Succeeded);
        state.ResultJson.ShouldBe("42");
        state.TaskName.ShouldBe("harness.score");
    }

    [Fact]
    public async Task ATaskWithoutResult_IsSucceeded()
    {
        var handle = await Tasks.SendWelcomeEmail.DelayAsync(1, null);

        (await handle.GetStateAsync()).ShouldNotBeNull().State.ShouldBe(TaskState.Succeeded);
        (await handle.WaitAsync(TimeSpan.FromSeconds(5))).ResultJson.ShouldBeNull();
    }

    [Fact]
    public async Task Results_AreBounded_TheOldestGoFirst()
    {
        var first = await Tasks.Score.DelayAsync(1);
        var second = await Tasks.Score.DelayAsync(1);
        var third = await Tasks.Score.DelayAsync(1);
        for (var i = 0; i < 9_998; i++)
        {
            await Tasks.Score.DelayAsync(i);
        }

        var last = await Tasks.Score.DelayAsync(2);

        // 10,002 tasks: exactly the two oldest are gone, the 10,000 after them are kept.
        (await last.GetResultAsync()).ShouldBe(25);
        (await first.GetStateAsync()).ShouldBeNull();
        (await second.GetStateAsync()).ShouldBeNull();
        (await third.GetStateAsync()).ShouldNotBeNull().State.ShouldBe(TaskState.Succeeded);
        (await Should.ThrowAsync<InvalidOperationException>(() => first.GetResultAsync())).Message.ShouldContain("10000 most recent");
    }
}
