using System;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Scheduling.Worker;
using Xunit;
using Xunit.Abstractions;
using TaskFlow.TestSupport;

namespace TaskFlow.Scheduling.Tests;

/// <summary>
/// Each overlap policy with a slow task (1.5 s) on an every-second schedule, sent through the outbox to a real worker
/// on RabbitMQ (concurrency 4): who runs, who waits, who is skipped or revoked, and whether runs overlapped (the task
/// records the most runs of its key at once).
/// </summary>
public sealed class OverlapTests
{
    private const int SlowMs = 1500;
    private readonly ITestOutputHelper _output;

    public OverlapTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip)]
    [InlineData(OverlapPolicy.BufferOne)]
    [InlineData(OverlapPolicy.BufferAll)]
    [InlineData(OverlapPolicy.CancelOther)]
    [InlineData(OverlapPolicy.AllowAll)]
    public async Task Each_overlap_policy_with_a_slow_task(OverlapPolicy policy)
    {
        await using var host = await SchedulingHost.CreateAsync(scheduler: true, worker: true);
        var name = "slow-" + policy + "-" + Guid.NewGuid().ToString("N")[..6];
        await host.Schedules.AddAsync(host.Definition(name, cron: "* * * * * *", overlap: policy, slowMs: SlowMs));
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        await host.Schedules.PauseAsync(name);
        var fires = await host.FiresAsync(name);

        // Let what was sent finish (paused: nothing more is sent; buffered fires wait for a resume).
        await Eventually.UntilAsync(async () => (await host.TasksAsync(name)).All(t => t.State >= 10), TimeSpan.FromSeconds(30), "the sent tasks finish");
        var tasks = await host.TasksAsync(name);
        var sent = fires.Where(f => f.Kind == ScheduleFireStatus.Sent).ToArray();
        var skipped = fires.Count(f => f.Kind == ScheduleFireStatus.Skipped);
        var buffered = fires.Count(f => f.Kind == ScheduleFireStatus.Buffered);
        var released = sent.Count(f => f.SentAt - f.RecordedAt > TimeSpan.FromMilliseconds(300));
        var maxRunning = (ScheduledTasks.MaxRunning.TryGetValue(name, out var most) ? most : 0);
        var revoked = tasks.Count(t => t.State == 12);
        _output.WriteLine($"{policy}: {fires.Length} fires: {sent.Length} sent ({released} after waiting), {skipped} skipped, {buffered} still buffered; {revoked} revoked; at most {maxRunning} running at once");

        fires.Length.ShouldBeGreaterThanOrEqualTo(4);
        fires.Select(f => f.FireAt).ShouldBeUnique();
        sent.Length.ShouldBe(tasks.Length);
        switch (policy)
        {
            case OverlapPolicy.Skip:
                maxRunning.ShouldBe(1);
                skipped.ShouldBeGreaterThan(0);
                sent.Length.ShouldBeGreaterThanOrEqualTo(2);
                buffered.ShouldBe(0);
                break;
            case OverlapPolicy.BufferOne:
                maxRunning.ShouldBe(1);
                released.ShouldBeGreaterThan(0); // a waiting fire went once the previous one was final
                skipped.ShouldBeGreaterThan(0); // a second waiting fire was skipped
                buffered.ShouldBeLessThanOrEqualTo(1);
                break;
            case OverlapPolicy.BufferAll:
                maxRunning.ShouldBe(1);
                skipped.ShouldBe(0);
                released.ShouldBeGreaterThan(0);
                // Waiting fires go in fire order.
                tasks.Where(t => t.StartedAt is not null).Select(t => t.FireAt).ShouldBe(tasks.Where(t => t.StartedAt is not null).Select(t => t.FireAt).OrderBy(t => t));
                break;
            case OverlapPolicy.CancelOther:
                skipped.ShouldBe(0);
                sent.Length.ShouldBe(fires.Length);
                revoked.ShouldBeGreaterThanOrEqualTo(2);
                break;
            case OverlapPolicy.AllowAll:
                skipped.ShouldBe(0);
                sent.Length.ShouldBe(fires.Length);
                maxRunning.ShouldBeGreaterThanOrEqualTo(2);
                break;
        }
    }
}
