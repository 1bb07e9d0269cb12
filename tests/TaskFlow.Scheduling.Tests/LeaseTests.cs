using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using Xunit.Abstractions;
using TaskFlow.TestSupport;

namespace TaskFlow.Scheduling.Tests;

/// <summary>
/// Two schedulers in one process, each with its own store instance on the same schema: one holds the lease; when it
/// dies (stopped without giving the lease up) the other takes over within the bound, the dead holder's token is
/// fenced, and an every-second schedule has each fire time exactly once across both.
/// </summary>
public sealed class LeaseTests
{
    private readonly ITestOutputHelper _output;

    public LeaseTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task When_the_holder_dies_the_other_scheduler_takes_over_within_the_bound_and_no_fire_is_lost_or_doubled()
    {
        var schema = SchedulingHost.NewSchema();
        // 5 s, not the hosts' 2 s: a holder renews every third of it, and with the test projects side by side on two
        // cores one renewal that needed a new connection took longer than 2 s in CI, so the other took the lease early.
        var leaseDuration = TimeSpan.FromSeconds(5);
        try
        {
            var a = await SchedulingHost.CreateAsync(schema: schema, scheduler: true, configure: o => o.LeaseDuration = leaseDuration);
            await Eventually.UntilAsync(() => Task.FromResult(a.Scheduler.Lease is not null), TimeSpan.FromSeconds(30), "a holds the lease");
            await using var b = await SchedulingHost.CreateAsync(schema: schema, scheduler: true, configure: o => o.LeaseDuration = leaseDuration);
            // b's queue: it outlives a (whose queue is deleted when it stops).
            await a.Schedules.AddAsync(b.Definition("every-second", cron: "* * * * * *", overlap: OverlapPolicy.AllowAll, catchUp: CatchUpPolicy.RunAll));
            await Task.Delay(500);
            b.Scheduler.Lease.ShouldBeNull();
            await Eventually.UntilAsync(async () => (await a.FiresAsync("every-second")).Length >= 3, TimeSpan.FromSeconds(30), "three fires");

            // a dies: it stops firing and does not give the lease up.
            var deadLease = a.Scheduler.Lease!;
            a.Scheduler.ReleaseOnStop = false;
            await a.DisposeAsync();
            var died = Stopwatch.StartNew();
            await Eventually.UntilAsync(() => Task.FromResult(b.Scheduler.Lease is not null), TimeSpan.FromSeconds(30), "b takes the lease over");
            var takeover = died.Elapsed;
            _output.WriteLine($"takeover after the holder died: {takeover.TotalSeconds:F2} s (lease {leaseDuration.TotalSeconds} s, tick 0.1 s)");
            takeover.ShouldBeLessThan(TimeSpan.FromSeconds(15));
            b.Scheduler.Lease!.Token.ShouldBe(deadLease.Token + 1);

            // The dead holder's token can write nothing any more.
            var due = await b.ScheduleStore.GetDueAsync(DateTimeOffset.UtcNow.AddSeconds(5), 10, default);
            var step = Internal.FirePlanner.Plan(due.Schedules.Single(), ScheduleTasks.Resolve(null, "scheduling_tests.tick"), DateTimeOffset.UtcNow.AddSeconds(5), TimeSpan.FromMinutes(1), 10);
            (await b.ScheduleStore.ApplyAsync(deadLease, step, default)).ShouldBe(StepOutcome.Fenced);

            await Task.Delay(TimeSpan.FromSeconds(3));
            await b.Schedules.PauseAsync("every-second");
            var fires = await b.FiresAsync("every-second");
            fires.Select(f => f.TaskId).ShouldBeUnique();
            fires.Select(f => f.FireAt).ShouldBeUnique();
            var span = (fires[^1].FireAt - fires[0].FireAt).TotalSeconds;
            fires.Length.ShouldBe((int)Math.Round(span) + 1, $"every second between the first fire and the last exactly once: {fires.Length} fires over {span} s");
            fires.Select(f => f.Token).Distinct().ShouldBe([deadLease.Token, deadLease.Token + 1]);
            _output.WriteLine($"{fires.Length} fires, {fires.Count(f => f.Token == deadLease.Token)} by the first holder, {fires.Count(f => f.Token == deadLease.Token + 1)} by the second; latest fire {fires.Max(f => (f.RecordedAt - f.FireAt).TotalSeconds):F2} s after its time");
        }
        finally
        {
            await SchedulingHost.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task A_holder_that_stops_gracefully_gives_the_lease_up_at_once()
    {
        var schema = SchedulingHost.NewSchema();
        try
        {
            var a = await SchedulingHost.CreateAsync(schema: schema, scheduler: true, configure: o => o.LeaseDuration = TimeSpan.FromSeconds(30));
            await Eventually.UntilAsync(() => Task.FromResult(a.Scheduler.Lease is not null), TimeSpan.FromSeconds(30), "a holds the lease");
            await using var b = await SchedulingHost.CreateAsync(schema: schema, scheduler: true, configure: o => o.LeaseDuration = TimeSpan.FromSeconds(30));
            await a.DisposeAsync();
            var stopped = Stopwatch.StartNew();
            await Eventually.UntilAsync(() => Task.FromResult(b.Scheduler.Lease is not null), TimeSpan.FromSeconds(20), "b takes the released lease");
            stopped.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20)); // well before the 30 s lease would have expired
        }
        finally
        {
            await SchedulingHost.DropSchemaAsync(schema);
        }
    }
}
