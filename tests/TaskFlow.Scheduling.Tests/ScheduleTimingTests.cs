using System;
using System.Collections.Generic;
using Shouldly;
using Xunit;

namespace TaskFlow.Scheduling.Tests;

/// <summary>Schedule math without a database: cron with and without seconds, intervals, time zones, DST, fire ids, bad input.</summary>
public sealed class ScheduleTimingTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static List<DateTimeOffset> Fires(ScheduleTiming timing, DateTimeOffset from, DateTimeOffset to)
    {
        var fires = new List<DateTimeOffset>();
        for (var next = timing.Next(from); next is { } at && at <= to; next = timing.Next(at))
        {
            fires.Add(at);
        }

        return fires;
    }

    [Fact]
    public void Five_fields_are_minutes_and_six_fields_start_with_seconds()
    {
        ScheduleTiming.Parse("a", "*/5 * * * *", null, null).Next(Utc("2026-12-03T10:02:30Z")).ShouldBe(Utc("2026-12-03T10:05:00Z"));
        ScheduleTiming.Parse("b", "*/10 * * * * *", null, null).Next(Utc("2026-12-03T10:02:31Z")).ShouldBe(Utc("2026-12-03T10:02:40Z"));
        ScheduleTiming.Parse("c", "@daily", null, null).Next(Utc("2026-12-03T10:02:31Z")).ShouldBe(Utc("2026-12-04T00:00:00Z"));
    }

    [Fact]
    public void A_cron_expression_is_read_in_its_time_zone()
    {
        // 03:00 in Paris is 02:00 UTC in winter.
        ScheduleTiming.Parse("a", "0 3 * * *", null, "Europe/Paris").Next(Utc("2026-12-03T10:00:00Z")).ShouldBe(Utc("2026-12-04T02:00:00Z"));
    }

    [Fact]
    public void Intervals_are_aligned_on_the_epoch_so_every_scheduler_computes_the_same_fires()
    {
        var every = ScheduleTiming.Parse("a", null, TimeSpan.FromMinutes(5), null);
        every.Next(Utc("2026-12-03T10:02:30Z")).ShouldBe(Utc("2026-12-03T10:05:00Z"));
        every.Next(Utc("2026-12-03T10:05:00Z")).ShouldBe(Utc("2026-12-03T10:10:00Z"));
        ScheduleTiming.Parse("b", null, TimeSpan.FromSeconds(1), null).Next(Utc("2026-12-03T10:02:30.400Z")).ShouldBe(Utc("2026-12-03T10:02:31Z"));
    }

    [Fact]
    public void Spring_forward_a_time_in_the_gap_fires_once_at_the_end_of_the_gap()
    {
        // Europe/Paris, Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that day.
        var fires = Fires(ScheduleTiming.Parse("a", "30 2 * * *", null, "Europe/Paris"), Utc("2026-03-27T12:00:00Z"), Utc("2026-03-30T12:00:00Z"));
        fires.ShouldBe([Utc("2026-03-28T01:30:00Z"), Utc("2026-03-29T01:00:00Z"), Utc("2026-03-30T00:30:00Z")]);
    }

    [Fact]
    public void Fall_back_a_fixed_time_in_the_repeated_hour_fires_once_and_a_stepping_expression_fires_in_both_hours()
    {
        // Europe/Paris, Sunday 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00-02:59 happens twice.
        var once = Fires(ScheduleTiming.Parse("a", "30 2 * * *", null, "Europe/Paris"), Utc("2026-10-24T12:00:00Z"), Utc("2026-10-26T12:00:00Z"));
        once.ShouldBe([Utc("2026-10-25T00:30:00Z"), Utc("2026-10-26T01:30:00Z")]);

        var stepping = Fires(ScheduleTiming.Parse("b", "*/30 2 * * *", null, "Europe/Paris"), Utc("2026-10-24T23:00:00Z"), Utc("2026-10-25T03:00:00Z"));
        stepping.ShouldBe([Utc("2026-10-25T00:00:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-25T01:00:00Z"), Utc("2026-10-25T01:30:00Z")]);
    }

    [Theory]
    [InlineData("61 * * * *", null, null, "not a valid cron expression")]
    [InlineData("* * *", null, null, "not a valid cron expression")]
    [InlineData("* * * * *", null, "Mars/Olympus", "time zone 'Mars/Olympus' is not known")]
    [InlineData(null, null, null, "either a cron expression or an interval")]
    [InlineData("* * * * *", "00:05:00", null, "not both")]
    [InlineData(null, "00:00:00.5", null, "at least 1 second")]
    public void Bad_timings_fail_with_what_to_change(string? cron, string? every, string? zone, string message)
    {
        var ex = Should.Throw<ArgumentException>(() => ScheduleTiming.Parse("s", cron, every is null ? null : TimeSpan.Parse(every, System.Globalization.CultureInfo.InvariantCulture), zone));
        ex.Message.ShouldContain(message);
    }

    [Fact]
    public void A_definition_validates_its_arguments_and_timing()
    {
        Should.Throw<ArgumentException>(() => new ScheduleDefinition { Name = "x", TaskName = "t", Cron = "* * * * *", ArgumentsJson = "{\"a\":1}" }.Validate()).Message.ShouldContain("JSON array");
        Should.Throw<ArgumentException>(() => new ScheduleDefinition { Name = "x", TaskName = "t", Cron = "* * * * *", ArgumentsJson = "[1," }.Validate()).Message.ShouldContain("not valid JSON");
        Should.Throw<ArgumentException>(() => new ScheduleDefinition { Name = "", TaskName = "t", Cron = "* * * * *" }.Validate());
        new ScheduleDefinition { Name = "x", TaskName = "t", Cron = "0 3 * * *", ArgumentsJson = "[\"eu\", 3]" }.Validate();
    }

    [Fact]
    public void Fire_task_ids_derive_from_the_schedule_and_the_fire_time()
    {
        var at = Utc("2026-12-03T10:05:00Z");
        var id = ScheduleIds.TaskId("cleanup", at);
        Guid.TryParse(id, out var guid).ShouldBeTrue();
        guid.ToString()[14].ShouldBe('5'); // a version-5 (name-based) UUID
        ScheduleIds.TaskId("cleanup", at).ShouldBe(id);
        ScheduleIds.TaskId("cleanup", at.ToOffset(TimeSpan.FromHours(2))).ShouldBe(id);
        ScheduleIds.TaskId("cleanup", at.AddSeconds(1)).ShouldNotBe(id);
        ScheduleIds.TaskId("cleanup-eu", at).ShouldNotBe(id);
        ScheduleIds.TriggeredTaskId("cleanup", at).ShouldNotBe(id);
    }
}
