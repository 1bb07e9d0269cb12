using System;
using System.Linq;
using Shouldly;
using TaskFlow.Infrastructure;
using TaskFlow.Scheduling.Internal;
using Xunit;

namespace TaskFlow.Scheduling.Tests;

/// <summary>The decisions of one tick, without a database: overlap policies and catch-up policies.</summary>
public sealed class FirePlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private static readonly TaskDescriptor Task = ScheduleTasks.Resolve(null, "t");

    private static DueSchedule Due(OverlapPolicy overlap = OverlapPolicy.Skip, CatchUpPolicy catchUp = CatchUpPolicy.RunOnce, DateTimeOffset? next = null,
        string? lastTaskId = null, bool lastFinal = true, int buffered = 0, DateTimeOffset? oldestBuffered = null, TimeSpan? window = null) => new(
        new ScheduleDefinition { Name = "s", TaskName = "t", Cron = "* * * * *", Overlap = overlap, CatchUp = catchUp, CatchUpWindow = window ?? TimeSpan.FromDays(1) },
        7,
        next ?? T0,
        lastTaskId,
        lastFinal,
        buffered,
        oldestBuffered);

    private static ScheduleStep Plan(DueSchedule due, DateTimeOffset now) => FirePlanner.Plan(due, Task, now, TimeSpan.FromMinutes(1), 1000);

    [Fact]
    public void A_due_fire_is_sent_with_its_derived_id_and_the_next_fire_follows()
    {
        var step = Plan(Due(), T0.AddSeconds(2));
        step.Fires.ShouldHaveSingleItem().ShouldBe(new PlannedFire(ScheduleIds.TaskId("s", T0), T0, ScheduleFireStatus.Sent));
        step.NextFireAt.ShouldBe(T0.AddMinutes(1));
        step.LastTaskId.ShouldBe(ScheduleIds.TaskId("s", T0));
        step.Version.ShouldBe(7);
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, ScheduleFireStatus.Skipped)]
    [InlineData(OverlapPolicy.BufferOne, ScheduleFireStatus.Buffered)]
    [InlineData(OverlapPolicy.BufferAll, ScheduleFireStatus.Buffered)]
    [InlineData(OverlapPolicy.CancelOther, ScheduleFireStatus.Sent)]
    [InlineData(OverlapPolicy.AllowAll, ScheduleFireStatus.Sent)]
    public void While_the_previous_fire_runs_each_policy_does_its_own_thing(OverlapPolicy policy, ScheduleFireStatus expected)
    {
        var step = Plan(Due(policy, lastTaskId: "previous", lastFinal: false), T0.AddSeconds(1));
        step.Fires.ShouldHaveSingleItem().Status.ShouldBe(expected);
        step.Revoke.ShouldBe(policy == OverlapPolicy.CancelOther ? ["previous"] : []);
    }

    [Fact]
    public void BufferOne_keeps_one_waiting_fire_and_skips_the_others_while_BufferAll_keeps_them_all()
    {
        var one = Plan(Due(OverlapPolicy.BufferOne, lastTaskId: "previous", lastFinal: false, buffered: 1, oldestBuffered: T0.AddMinutes(-1)), T0.AddSeconds(1));
        one.Fires.ShouldHaveSingleItem().Status.ShouldBe(ScheduleFireStatus.Skipped);
        one.Buffered.ShouldBe(1);

        var all = Plan(Due(OverlapPolicy.BufferAll, lastTaskId: "previous", lastFinal: false, buffered: 3, oldestBuffered: T0.AddMinutes(-3)), T0.AddSeconds(1));
        all.Fires.ShouldHaveSingleItem().Status.ShouldBe(ScheduleFireStatus.Buffered);
        all.Buffered.ShouldBe(4);
    }

    [Fact]
    public void When_the_previous_fire_is_final_the_oldest_buffered_fire_goes_first()
    {
        var step = Plan(Due(OverlapPolicy.BufferAll, next: T0.AddMinutes(1), lastTaskId: "previous", lastFinal: true, buffered: 2, oldestBuffered: T0.AddMinutes(-2)), T0.AddSeconds(1));
        step.ReleasedBuffered.ShouldBe(new PlannedFire(ScheduleIds.TaskId("s", T0.AddMinutes(-2)), T0.AddMinutes(-2), ScheduleFireStatus.Sent));
        step.Fires.ShouldBeEmpty();
        step.Buffered.ShouldBe(1);
        step.LastTaskId.ShouldBe(ScheduleIds.TaskId("s", T0.AddMinutes(-2)));
    }

    [Fact]
    public void Catch_up_after_ten_minutes_down_skip_run_once_or_run_all_within_the_window()
    {
        // Fires at T0 .. T0+10m; now T0+10m30s: T0+10m is on time (30 s late), T0 .. T0+9m are missed.
        var now = T0.AddMinutes(10).AddSeconds(30);
        var skip = Plan(Due(OverlapPolicy.AllowAll, CatchUpPolicy.Skip), now);
        skip.Fires.Select(f => f.FireAt).ShouldBe([T0.AddMinutes(10)]);
        skip.Missed.ShouldBe(10);

        var once = Plan(Due(OverlapPolicy.AllowAll, CatchUpPolicy.RunOnce), now);
        once.Fires.Select(f => f.FireAt).ShouldBe([T0.AddMinutes(9), T0.AddMinutes(10)]);
        once.Missed.ShouldBe(9);

        var all = Plan(Due(OverlapPolicy.AllowAll, CatchUpPolicy.RunAll, window: TimeSpan.FromMinutes(5)), now);
        all.Fires.Select(f => f.FireAt).ShouldBe([T0.AddMinutes(6), T0.AddMinutes(7), T0.AddMinutes(8), T0.AddMinutes(9), T0.AddMinutes(10)]);
        all.Missed.ShouldBe(6);
        all.NextFireAt.ShouldBe(T0.AddMinutes(11));
    }

    [Fact]
    public void Caught_up_fires_still_follow_the_overlap_policy()
    {
        var step = Plan(Due(OverlapPolicy.Skip, CatchUpPolicy.RunAll), T0.AddMinutes(3).AddSeconds(1));
        step.Fires.Select(f => f.Status).ShouldBe([ScheduleFireStatus.Sent, ScheduleFireStatus.Skipped, ScheduleFireStatus.Skipped, ScheduleFireStatus.Skipped]);
    }
}
