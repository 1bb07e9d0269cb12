using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace TaskFlow.Scheduling.Tests;

/// <summary>
/// The scheduler on a <see cref="FakeTimeProvider"/> against PostgreSQL, driven pass by pass: catch-up policies after
/// a stop (a second process takes over the expired lease), and the DST nights of Europe/Paris.
/// </summary>
public sealed class FakeTimeSchedulerTests
{
    private static async Task PassAsync(SchedulingHost host, FakeTimeProvider time, TimeSpan advance)
    {
        time.Advance(advance);
        // A pass after a long jump may find its lease expired: the next one takes it again.
        await host.Scheduler.PassAsync(default);
        await host.Scheduler.PassAsync(default);
    }

    [Theory]
    [InlineData(CatchUpPolicy.Skip, new[] { "10:01", "10:11" })]
    [InlineData(CatchUpPolicy.RunOnce, new[] { "10:01", "10:10", "10:11" })]
    [InlineData(CatchUpPolicy.RunAll, new[] { "10:01", "10:07", "10:08", "10:09", "10:10", "10:11" })]
    public async Task After_a_stop_missed_fires_follow_the_catch_up_policy(CatchUpPolicy policy, string[] expected)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 30, TimeSpan.Zero));
        var schema = SchedulingHost.NewSchema();
        try
        {
            await using (var first = await SchedulingHost.CreateAsync(schema: schema, time: time, scheduler: true, start: false))
            {
                await first.Schedules.AddAsync(first.Definition("every-minute", cron: "* * * * *", overlap: OverlapPolicy.AllowAll, catchUp: policy, window: TimeSpan.FromMinutes(5)));
                await PassAsync(first, time, TimeSpan.FromSeconds(40)); // 10:01:10: the 10:01 fire
            }

            // Down until 10:11:40: 10:02 .. 10:10 are missed (more than the 1 min threshold late), 10:11 is 40 s late: on time.
            time.Advance(TimeSpan.FromMinutes(10).Add(TimeSpan.FromSeconds(30)));
            await using var second = await SchedulingHost.CreateAsync(schema: schema, time: time, scheduler: true, start: false);
            await PassAsync(second, time, TimeSpan.Zero);

            var fires = await second.FiresAsync("every-minute");
            fires.Select(f => f.FireAt.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(expected);
            fires.ShouldAllBe(f => f.Kind == ScheduleFireStatus.Sent);
            fires.Select(f => f.Token).Distinct().Count().ShouldBe(2); // two holders, one after the other
            (await second.Schedules.GetAsync("every-minute"))!.NextFireAt.ShouldBe(new DateTimeOffset(2026, 12, 3, 10, 12, 0, TimeSpan.Zero));
        }
        finally
        {
            await SchedulingHost.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task Spring_forward_night_in_Paris_a_0230_schedule_fires_once_at_0300_summer_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 28, 22, 55, 0, TimeSpan.Zero));
        await using var host = await SchedulingHost.CreateAsync(time: time, scheduler: true, start: false, configure: o => o.MisfireThreshold = TimeSpan.FromHours(1));
        await host.Schedules.AddAsync(host.Definition("paris-0230", cron: "30 2 * * *", timeZone: "Europe/Paris", overlap: OverlapPolicy.AllowAll));
        while (time.GetUtcNow() < new DateTimeOffset(2026, 3, 29, 4, 0, 0, TimeSpan.Zero))
        {
            await PassAsync(host, time, TimeSpan.FromMinutes(10));
        }

        var fire = (await host.FiresAsync("paris-0230")).ShouldHaveSingleItem();
        fire.FireAt.ShouldBe(new DateTime(2026, 3, 29, 1, 0, 0, DateTimeKind.Utc)); // 03:00 CEST, the end of the gap
    }

    [Fact]
    public async Task Fall_back_night_in_Paris_a_0230_schedule_fires_once_and_a_half_hourly_one_in_both_hours()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 10, 24, 22, 55, 0, TimeSpan.Zero));
        await using var host = await SchedulingHost.CreateAsync(time: time, scheduler: true, start: false, configure: o => o.MisfireThreshold = TimeSpan.FromHours(1));
        await host.Schedules.AddAsync(host.Definition("paris-0230", cron: "30 2 * * *", timeZone: "Europe/Paris", overlap: OverlapPolicy.AllowAll));
        await host.Schedules.AddAsync(host.Definition("paris-2h-half-hourly", cron: "*/30 2 * * *", timeZone: "Europe/Paris", overlap: OverlapPolicy.AllowAll));
        while (time.GetUtcNow() < new DateTimeOffset(2026, 10, 25, 3, 0, 0, TimeSpan.Zero))
        {
            await PassAsync(host, time, TimeSpan.FromMinutes(10));
        }

        (await host.FiresAsync("paris-0230")).ShouldHaveSingleItem().FireAt.ShouldBe(new DateTime(2026, 10, 25, 0, 30, 0, DateTimeKind.Utc)); // 02:30 CEST, first pass
        (await host.FiresAsync("paris-2h-half-hourly")).Select(f => f.FireAt.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(["00:00", "00:30", "01:00", "01:30"]); // 02:00 and 02:30 CEST, then 02:00 and 02:30 CET
    }
}
