using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.RabbitMq;
using Shouldly;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Testing.Tests;

/// <summary>The in-process harness: no broker; sends recorded, run by the runtime's own executor and settlement.</summary>
public sealed class InProcessHarnessTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public InProcessHarnessTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Effects>();
        services.AddTaskFlow().AddTaskFlowTestingTestsTasks();
        services.AddTaskFlowTestHarness();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private TaskFlowTestHarness Harness => _services.GetRequiredService<TaskFlowTestHarness>();

    private HarnessTasks.Client Tasks => _services.GetRequiredService<HarnessTasks.Client>();

    private Effects Effects => _services.GetRequiredService<Effects>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task Send_IsRecordedWithTypedArgumentsAndOptions_AndNothingRuns()
    {
        var handle = await Tasks.SendWelcomeEmail.ApplyAsync(
            42, "spring", new SendOptions { Countdown = TimeSpan.FromMinutes(5), Queue = "vip", Headers = new System.Collections.Generic.Dictionary<string, object?> { ["x-tenant"] = "acme" } });

        var sent = Harness.Sent.SendWelcomeEmail.Single();
        sent.UserId.ShouldBe(42);
        sent.Template.ShouldBe("spring");
        sent.Sent.Id.ShouldBe(handle.Id);
        sent.Sent.TaskName.ShouldBe("harness.welcome");
        sent.Sent.Queue.ShouldBe("vip");
        sent.Sent.Countdown.ShouldBe(TimeSpan.FromMinutes(5));
        sent.Sent.Headers["x-tenant"].ShouldBe("acme");
        sent.Sent.Argument<int>("user_id").ShouldBe(42);
        sent.Sent.Outcome.ShouldBeNull();
        Harness.Sent.SendWelcomeEmail.TaskName.ShouldBe("harness.welcome");
        Harness.Sent.Score.ShouldBeEmpty();
        Effects.Log.ShouldBeEmpty();
        Harness.Pending.Single().Id.ShouldBe(handle.Id);
    }

    [Fact]
    public async Task BatchSend_RecordsEveryTaskLikeSingleSends_InOrder_AndRunsThem()
    {
        var handles = await Tasks.SendWelcomeEmail.ApplyManyAsync([(1, "a"), (2, "b"), (3, null)], new SendOptions { Queue = "vip" });
        var scores = await Tasks.Score.DelayManyAsync([(4L, 1), (5L, 2)]);

        Harness.Sent.SendWelcomeEmail.Select(s => s.UserId).ShouldBe(new[] { 1, 2, 3 });
        Harness.Sent.SendWelcomeEmail.Select(s => s.Template).ShouldBe(new[] { "a", "b", null });
        Harness.Sent.SendWelcomeEmail.Select(s => s.Sent.Id).ShouldBe(handles.Select(h => h.Id));
        Harness.Sent.SendWelcomeEmail.ShouldAllBe(s => s.Sent.Queue == "vip");
        Harness.Sent.Score.Select(s => s.Sent.Id).ShouldBe(scores.Select(h => h.Id));
        Harness.Pending.Count.ShouldBe(5);
        Effects.Log.ShouldBeEmpty();

        var runs = await Harness.RunAllAsync();
        runs.Count.ShouldBe(5);
        Effects.Log.Order().ShouldBe(new[] { "welcome 1 a", "welcome 2 b", "welcome 3 " });
    }

    [Fact]
    public async Task TypedAccessor_AppliesDefaults_AsTheWorkerBindsThem()
    {
        await Tasks.Score.DelayAsync(7);
        await Tasks.Score.DelayAsync(8, bonus: 1);

        Harness.Sent.Score.Select(s => (s.UserId, s.Bonus)).ShouldBe([(7L, 5), (8L, 1)]);
        Harness.Sent.Named("harness.score").Count.ShouldBe(2);
    }

    [Fact]
    public async Task RunAll_RunsWhatIsDue_ThroughTheRealExecutor_AndKeepsTheResult()
    {
        await Tasks.SendWelcomeEmail.DelayAsync(1, "a");
        await Tasks.Score.DelayAsync(3);

        var runs = await Harness.RunAllAsync();

        runs.Select(r => r.Outcome).ShouldBe(["succeeded", "succeeded"]);
        Effects.Log.ShouldBe(["welcome 1 a"]);
        Harness.Sent.Score.Single().Sent.Runs.Single().Result.ShouldBe(35);
        Harness.Pending.ShouldBeEmpty();
        (await Harness.RunAllAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task RunNext_RunsOneTask_OfTheNameGiven()
    {
        await Tasks.SendWelcomeEmail.DelayAsync(1, null);
        await Tasks.Score.DelayAsync(2);

        var run = await Harness.RunNextAsync("harness.score");

        run.ShouldNotBeNull().Task.TaskName.ShouldBe("harness.score");
        Effects.Log.ShouldBeEmpty();
        Harness.Pending.Single().TaskName.ShouldBe("harness.welcome");
        (await Harness.RunNextAsync("harness.score")).ShouldBeNull();
    }

    [Fact]
    public async Task RunUntilIdle_RunsTasksSentByTasks_WithTheirLineage()
    {
        var parent = await Tasks.FanOut.DelayAsync([1, 2, 3]);

        (await Harness.RunAllAsync()).Count.ShouldBe(1);
        Effects.Log.ShouldBeEmpty(); // RunAll runs what was due when called, not what that sent
        var more = await Harness.RunUntilIdleAsync();

        more.Count.ShouldBe(3);
        Effects.Log.OrderBy(x => x).ShouldBe(["welcome 1 fan", "welcome 2 fan", "welcome 3 fan"]);
        Harness.Sent.SendWelcomeEmail.ShouldAllBe(s => s.Sent.ParentId == parent.Id && s.Sent.RootId == parent.Id);
    }

    [Fact]
    public async Task Countdown_IsNotRunBeforeItIsDue_OnTheFakeClock()
    {
        await Tasks.SendWelcomeEmail.ApplyAsync(9, "later", new SendOptions { Countdown = TimeSpan.FromMinutes(10) });

        (await Harness.RunUntilIdleAsync()).ShouldBeEmpty();
        Harness.AdvanceTime(TimeSpan.FromMinutes(9));
        (await Harness.RunUntilIdleAsync()).ShouldBeEmpty();
        Harness.AdvanceTime(TimeSpan.FromMinutes(1));
        (await Harness.RunUntilIdleAsync()).Single().Outcome.ShouldBe("succeeded");
        Effects.Log.ShouldBe(["welcome 9 later"]);
    }

    [Fact]
    public async Task Retry_IsNotRunBeforeItsBackoffElapsed_AndRunsAfter()
    {
        var handle = await Tasks.Flaky.DelayAsync("k");

        var first = (await Harness.RunUntilIdleAsync()).Single();
        first.Outcome.ShouldBe("retried");
        first.Exception.ShouldBeOfType<TimeoutException>();
        first.RetryDelay.ShouldBe(TimeSpan.FromSeconds(10));

        Harness.AdvanceTime(TimeSpan.FromSeconds(9));
        (await Harness.RunUntilIdleAsync()).ShouldBeEmpty();
        Harness.AdvanceTime(TimeSpan.FromSeconds(1));
        (await Harness.RunUntilIdleAsync()).Single().Outcome.ShouldBe("retried");
        Harness.AdvanceTime(TimeSpan.FromSeconds(10));
        var last = (await Harness.RunUntilIdleAsync()).Single();

        last.Outcome.ShouldBe("succeeded");
        last.Attempt.ShouldBe(3);
        last.Result.ShouldBe("k!");
        Harness.Sent.Flaky.Single().Sent.Runs.Select(r => r.Outcome).ShouldBe(["retried", "retried", "succeeded"]);
        Harness.Sent.Flaky.Single().Sent.Id.ShouldBe(handle.Id);
        Effects.Log.ShouldBe(["flaky k on attempt 3"]);
    }

    [Fact]
    public async Task FailNext_GoesThroughTheRetryPolicy_AndTheTaskRunsAfter()
    {
        Harness.FailNext("harness.flaky", new TimeoutException("injected"));
        Effects.Attempts = 2; // the task itself would succeed now
        await Tasks.Flaky.DelayAsync("x");

        var first = (await Harness.RunUntilIdleAsync()).Single();
        first.Outcome.ShouldBe("retried");
        first.Exception!.Message.ShouldBe("injected");
        Effects.Attempts.ShouldBe(2); // the task's code did not run

        Harness.AdvanceTime(TimeSpan.FromSeconds(10));
        (await Harness.RunUntilIdleAsync()).Single().Outcome.ShouldBe("succeeded");
    }

    [Fact]
    public async Task Fail_WithoutRetryPolicy_DeadLetters()
    {
        Harness.Fail("harness.welcome", new InvalidOperationException("smtp down"));
        await Tasks.SendWelcomeEmail.DelayAsync(5, null);

        var run = (await Harness.RunUntilIdleAsync()).Single();

        run.Outcome.ShouldBe("dead_lettered");
        run.Details!.Reason.ShouldBe(DeadLetterReason.TaskFailed);
        run.Exception!.Message.ShouldBe("smtp down");
        Effects.Log.ShouldBeEmpty();
        Harness.ClearFaults();
        await Tasks.SendWelcomeEmail.DelayAsync(6, null);
        (await Harness.RunUntilIdleAsync()).Single().Outcome.ShouldBe("succeeded");
    }

    [Fact]
    public async Task TimeOutNext_IsATimeLimitExceeded_DeadLetteredAsSuch()
    {
        Harness.TimeOutNext("harness.limited");
        await Tasks.Limited.DelayAsync(1);
        await Tasks.Limited.DelayAsync(2);

        var runs = await Harness.RunUntilIdleAsync();

        runs[0].Outcome.ShouldBe("dead_lettered");
        runs[0].Details!.Reason.ShouldBe(DeadLetterReason.TimeLimitExceeded);
        runs[0].Exception.ShouldBeOfType<TaskTimeLimitExceededException>().Limit.ShouldBe(TimeSpan.FromSeconds(30));
        runs[1].Outcome.ShouldBe("succeeded");
        Effects.Log.ShouldBe(["limited 2"]);
    }

    [Fact]
    public async Task Expired_BeforeItRan_IsNotRun()
    {
        await Tasks.SendWelcomeEmail.ApplyAsync(3, null, new SendOptions { ExpiresIn = TimeSpan.FromMinutes(1) });
        Harness.AdvanceTime(TimeSpan.FromMinutes(2));

        (await Harness.RunUntilIdleAsync()).Single().Outcome.ShouldBe("expired");
        Effects.Log.ShouldBeEmpty();
    }

    [Fact]
    public async Task TrackedSession_InProcess_RunsTheWorkOfTheAction()
    {
        await using var session = Harness.Track();
        await Tasks.FanOut.DelayAsync([4, 5]);

        await session.WaitUntilIdleAsync();

        session.Sent.Select(s => s.TaskName).ShouldBe(["harness.fan_out", "harness.welcome", "harness.welcome"]);
        session.Sent.ShouldAllBe(s => s.Outcome == "succeeded");
    }

    [Fact]
    public async Task TheApplicationsWiring_WithBrokerAndWorker_RunsInProcess_WithoutConnecting()
    {
        // The host as Program.cs builds it, with a broker that does not exist: the harness replaces the transport and
        // removes the worker, so the host starts and the tasks run without a connection ever being opened.
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Effects>();
        builder.Services.AddTaskFlow()
            .UseRabbitMq(o => o.ConnectionUri = new Uri("amqp://guest:guest@127.0.0.1:1/"))
            .AddTaskFlowTestingTestsTasks()
            .AddWorker(w => w.AddQueue("default"))
            .AddProbe();
        builder.Services.AddTaskFlowTestHarness();
        using var host = builder.Build();
        await host.StartAsync();

        var harness = host.Services.GetRequiredService<TaskFlowTestHarness>();
        await host.Services.GetRequiredService<HarnessTasks.Client>().Score.DelayAsync(1);
        (await harness.RunUntilIdleAsync()).Single().Result.ShouldBe(15);
        harness.Sent.Single().TaskName.ShouldBe("harness.score"); // no probe
        host.Services.GetServices<IHostedService>().ShouldBeEmpty();
        await host.StopAsync();
    }

    [Fact]
    public void AddTaskFlowTestHarness_Twice_FailsClearly()
    {
        var services = new ServiceCollection();
        services.AddTaskFlow().AddTaskFlowTestingTestsTasks();
        services.AddTaskFlowTestHarness();
        Should.Throw<InvalidOperationException>(() => services.AddTaskFlowTestHarness()).Message.ShouldContain("twice");
    }
}
