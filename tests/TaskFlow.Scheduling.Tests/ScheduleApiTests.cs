using System;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using TaskFlow.Scheduling.Internal;
using TaskFlow.Scheduling.Worker;
using Xunit;

namespace TaskFlow.Scheduling.Tests;

/// <summary>The schedules API on PostgreSQL: add, change, pause, resume, trigger, delete; the declared schedules' upsert.</summary>
public sealed class ScheduleApiTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task Add_change_pause_resume_trigger_and_delete_a_schedule()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await SchedulingHost.CreateAsync(time: time, start: false);
        var schedules = host.Schedules;

        var added = await schedules.AddAsync(host.Definition("nightly", cron: "0 3 * * *", timeZone: "Europe/Paris"));
        added.Source.ShouldBe(ScheduleSource.Runtime);
        added.NextFireAt.ShouldBe(new DateTimeOffset(2026, 12, 4, 2, 0, 0, TimeSpan.Zero));
        (await Should.ThrowAsync<InvalidOperationException>(() => schedules.AddAsync(host.Definition("nightly", cron: "0 4 * * *")))).Message.ShouldContain("exists already");
        (await Should.ThrowAsync<ArgumentException>(() => schedules.AddAsync(host.Definition("bad", cron: "0 25 * * *")))).Message.ShouldContain("not a valid cron expression");
        (await schedules.ListAsync()).Select(s => s.Name).ShouldBe(["nightly"]);

        var changed = await schedules.UpdateAsync(host.Definition("nightly", every: TimeSpan.FromMinutes(10), overlap: OverlapPolicy.BufferAll));
        changed.NextFireAt.ShouldBe(new DateTimeOffset(2026, 12, 3, 10, 10, 0, TimeSpan.Zero));
        changed.Definition.Overlap.ShouldBe(OverlapPolicy.BufferAll);
        await Should.ThrowAsync<InvalidOperationException>(() => schedules.UpdateAsync(host.Definition("missing", every: TimeSpan.FromMinutes(1))));

        (await schedules.PauseAsync("nightly")).ShouldBeTrue();
        (await schedules.GetAsync("nightly"))!.Paused.ShouldBeTrue();
        time.Advance(TimeSpan.FromHours(1));
        (await schedules.ResumeAsync("nightly")).ShouldBeTrue();
        var resumed = (await schedules.GetAsync("nightly"))!;
        resumed.Paused.ShouldBeFalse();
        resumed.NextFireAt.ShouldBe(new DateTimeOffset(2026, 12, 3, 11, 10, 0, TimeSpan.Zero)); // from now: missed fires are not caught up
        (await schedules.PauseAsync("missing")).ShouldBeFalse();

        var fire = await schedules.TriggerAsync("nightly");
        fire.Status.ShouldBe(ScheduleFireStatus.Triggered);
        (await schedules.GetAsync("nightly"))!.LastTaskId.ShouldBe(fire.TaskId);
        (await schedules.GetFiresAsync("nightly")).ShouldHaveSingleItem().TaskId.ShouldBe(fire.TaskId);
        (await host.Store.GetAsync(fire.TaskId))!.State.ShouldBe(TaskState.Pending); // recorded with its outbox row
        await using (var connection = await host.OpenAsync())
        {
            (await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {host.Schema}.outbox_message WHERE task_id = @id", new { id = fire.TaskId })).ShouldBe(1);
        }

        await Should.ThrowAsync<InvalidOperationException>(() => schedules.TriggerAsync("missing"));
        (await schedules.DeleteAsync("nightly")).ShouldBeTrue();
        (await schedules.GetAsync("nightly")).ShouldBeNull();
        (await schedules.GetFiresAsync("nightly")).ShouldBeEmpty();
        (await schedules.DeleteAsync("nightly")).ShouldBeFalse();
    }

    [Fact]
    public async Task Periodic_attributes_and_AddSchedule_are_registered_and_upserted_code_wins_but_paused_stays_paused()
    {
        var time = new FakeTimeProvider(Start);
        var schema = SchedulingHost.NewSchema();
        try
        {
            await using (var first = await SchedulingHost.CreateAsync(schema: schema, time: time, scheduler: true, declared: true, start: false,
                steps: b => b.AddSchedule<ScheduledTasks.Client>("tick-eu", c => c.Tick.DelayAsync("eu"), s => s.Every = TimeSpan.FromMinutes(1))))
            {
                var declared = first.Scheduler.DeclaredDefinitions().OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
                declared.Select(d => d.Name).ShouldBe(["report-eu", "report-us", "scheduling_tests.nightly", "tick-eu"]);
                var nightly = declared[2];
                (nightly.Cron, nightly.TimeZone, nightly.Overlap, nightly.CatchUp, nightly.ArgumentsJson).ShouldBe(("30 2 * * *", "Europe/Paris", OverlapPolicy.BufferOne, CatchUpPolicy.Skip, "[]"));
                (declared[0].Every, declared[0].ArgumentsJson).ShouldBe((TimeSpan.FromMinutes(5), "[\"eu\",3]"));
                (declared[1].Cron, declared[1].CatchUp, declared[1].CatchUpWindow, declared[1].ArgumentsJson).ShouldBe(("*/10 * * * * *", CatchUpPolicy.RunAll, TimeSpan.FromHours(1), "[\"us\",1]"));
                (declared[3].TaskName, declared[3].ArgumentsJson).ShouldBe(("scheduling_tests.tick", "[\"eu\"]"));

                (await first.ScheduleStore.UpsertDeclaredAsync(declared, default)).ShouldBe(4);
                (await first.ScheduleStore.UpsertDeclaredAsync(declared, default)).ShouldBe(0); // unchanged: nothing written
                (await first.Schedules.GetAsync("tick-eu"))!.Source.ShouldBe(ScheduleSource.Code);

                // Changed at run time: paused, and its timing edited.
                await first.Schedules.PauseAsync("tick-eu");
                await first.Schedules.UpdateAsync(declared[3].With(every: TimeSpan.FromHours(1), timingSet: true));
            }

            // The next start: the definition in code comes back, the pause stays.
            await using var second = await SchedulingHost.CreateAsync(schema: schema, time: time, scheduler: true, declared: true, start: false,
                steps: b => b.AddSchedule<ScheduledTasks.Client>("tick-eu", c => c.Tick.DelayAsync("eu"), s => s.Every = TimeSpan.FromMinutes(1)));
            (await second.ScheduleStore.UpsertDeclaredAsync(second.Scheduler.DeclaredDefinitions(), default)).ShouldBe(1);
            var tick = (await second.Schedules.GetAsync("tick-eu"))!;
            tick.Definition.Every.ShouldBe(TimeSpan.FromMinutes(1));
            tick.Paused.ShouldBeTrue();
        }
        finally
        {
            await SchedulingHost.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public void Wrong_registrations_fail_with_what_to_change()
    {
        var services = new ServiceCollection();
        var taskflow = services.AddTaskFlow();
        Should.Throw<ArgumentException>(() => taskflow.AddSchedule<SchedulingHost>("x", _ => ValueTask.FromResult(new TaskHandle("a", "b", "c")), s => s.Cron = "* * * * *"))
            .Message.ShouldContain("not a generated task client");
        Should.Throw<ArgumentException>(() => taskflow.AddSchedule<ScheduledTasks.Client>("x", _ => ValueTask.FromResult(new TaskHandle("a", "b", "c")), s => s.Cron = "* * * * *"))
            .Message.ShouldContain("exactly one task");
    }
}
