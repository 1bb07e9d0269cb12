using System;
using System.Collections.Generic;
using System.Linq;
using Shouldly;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary><c>[Task(RateLimit)]</c> without a broker or a database: the rate syntax, the GCRA reservations and the start-up check.</summary>
public sealed class RateLimitTests
{
    [Theory]
    [InlineData("100/m", 100, 60)]
    [InlineData("20/s", 20, 1)]
    [InlineData("1/h", 1, 3600)]
    [InlineData("1000000/s", 1_000_000, 1)]
    public void Rates_parse_as_a_count_per_second_minute_or_hour(string text, int count, int seconds)
    {
        var limit = TaskRateLimit.Parse(text);
        limit.Count.ShouldBe(count);
        limit.Period.ShouldBe(TimeSpan.FromSeconds(seconds));
        limit.Burst.ShouldBe(1);
        limit.ToString().ShouldBe(text);
        limit.EmissionInterval.ShouldBe(TimeSpan.FromTicks((TimeSpan.FromSeconds(seconds).Ticks + count - 1) / count));
        (limit.EmissionInterval.Ticks * count).ShouldBeGreaterThanOrEqualTo(limit.Period.Ticks, "rounded up: never faster than the rate");
    }

    [Theory]
    [InlineData("100", "write it as a count per second, minute or hour")]
    [InlineData("100/d", "the unit 'd' is not s, m or h")]
    [InlineData("100/min", "the unit 'min' is not s, m or h")]
    [InlineData("0/s", "the count '0' is not a whole number from 1 to 1,000,000")]
    [InlineData("-5/s", "the count '-5'")]
    [InlineData(" 5/s", "the count ' 5'")]
    [InlineData("1000001/s", "the count '1000001'")]
    [InlineData("/s", "the count ''")]
    public void Invalid_rates_are_refused_with_the_reason(string text, string reason)
    {
        TaskRateLimit.TryParse(text, out var limit).ShouldBeFalse();
        limit.ShouldBeNull();
        var error = Should.Throw<FormatException>(() => TaskRateLimit.Parse(text));
        error.Message.ShouldStartWith($"TaskFlow: '{text}' is not a rate limit: ");
        error.Message.ShouldContain(reason);
        Should.Throw<ArgumentOutOfRangeException>(() => new TaskRateLimit(5, TimeSpan.FromSeconds(2)));
        Should.Throw<ArgumentOutOfRangeException>(() => new TaskRateLimit(5, TimeSpan.FromSeconds(1), burst: 0));
        new TaskRateLimit(5, TimeSpan.FromMinutes(1), burst: 4).ToString().ShouldBe("5/m, burst 4");
    }

    [Fact]
    public void An_idle_key_runs_at_once_and_a_flood_is_spaced_by_the_interval_after_its_burst()
    {
        const long interval = 50;
        foreach (var burst in new[] { 1, 3 })
        {
            var tolerance = Gcra.Tolerance(interval, burst);
            long tat = 0; // a missing row: idle
            var slots = new List<long>();
            for (var i = 0; i < 10; i++)
            {
                tat = Gcra.Reserve(tat, now: 1000, interval);
                slots.Add(Gcra.Slot(tat, now: 1000, interval, tolerance));
            }

            slots.Take(burst).ShouldAllBe(slot => slot == 1000, "the burst runs at once");
            slots.Skip(burst).ShouldBe(Enumerable.Range(1, 10 - burst).Select(k => 1000 + k * interval), $"then one every interval (burst {burst})");

            // Quiet for a while: the next request runs at once again.
            tat = Gcra.Reserve(tat, now: 100_000, interval);
            Gcra.Slot(tat, 100_000, interval, tolerance).ShouldBe(100_000);
        }
    }

    [Theory]
    [InlineData(20, 1, 1)]
    [InlineData(20, 5, 2)]
    [InlineData(100, 1, 3)]
    public void Slots_reserved_by_racing_workers_hold_the_rate_and_never_put_more_than_count_plus_burst_in_a_period(int count, int burst, int seed)
    {
        // Requests from several workers at random times, in the order the database serializes their upserts.
        var period = TimeSpan.FromSeconds(1).Ticks;
        var interval = new TaskRateLimit(count, TimeSpan.FromSeconds(1), burst).EmissionInterval.Ticks;
        var tolerance = Gcra.Tolerance(interval, burst);
        var random = new Random(seed);
        var arrivals = Enumerable.Range(0, count * 30).Select(_ => (long)(random.NextDouble() * 20 * period)).OrderBy(t => t).ToList();
        long tat = 0;
        var slots = new List<long>();
        foreach (var now in arrivals)
        {
            tat = Gcra.Reserve(tat, now, interval);
            var slot = Gcra.Slot(tat, now, interval, tolerance);
            slot.ShouldBeGreaterThanOrEqualTo(now, "a slot is never in the past");
            slots.Add(slot);
        }

        slots.Sort();
        var maxInWindow = 0;
        for (int first = 0, last = 0; first < slots.Count; first++)
        {
            while (last < slots.Count && slots[last] < slots[first] + period)
            {
                last++;
            }

            maxInWindow = Math.Max(maxInWindow, last - first);
        }

        maxInWindow.ShouldBeLessThanOrEqualTo(count + burst - 1, "any window of one period");
        var achieved = (slots.Count - burst) / ((double)(slots[^1] - slots[0]) / period);
        achieved.ShouldBeLessThanOrEqualTo(count * 1.001, "the backlog drains at the rate");
        achieved.ShouldBeGreaterThan(count * 0.95, "a backlog (30 periods' worth in 20) keeps every slot used");
    }

    [Fact]
    public void A_rate_limited_task_without_a_state_store_fails_start_up_with_what_to_add_and_the_key_defaults_to_the_task()
    {
        var limited = new TaskDescriptor("partner.call", null, "M", [], static _ => default) { RateLimit = TaskRateLimit.Parse("100/m") };
        var plain = new TaskDescriptor("partner.plain", null, "M", [], static _ => default);

        new RateLimits(null).Problems([limited, plain]).ShouldHaveSingleItem()
            .ShouldBe("Task partner.call is declared [Task(RateLimit = \"100/m\")], which is enforced across workers in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove RateLimit.");
        new RateLimits(new NoStore()).Problems([limited, plain]).ShouldBeEmpty();
        new RateLimits(null).Applies(limited).ShouldBeFalse();
        new RateLimits(new NoStore()).Applies(limited).ShouldBeTrue();
        new RateLimits(new NoStore()).Applies(plain).ShouldBeFalse();

        var keyed = new TaskHeaders("id", limited.Name, 0, null, null, null, null, null, null, null, false, new Dictionary<string, object?>()) { RateLimitKey = "tenant:42" };
        RateLimits.KeyOf(limited, keyed).ShouldBe("tenant:42");
        RateLimits.KeyOf(limited, keyed with { RateLimitKey = null }).ShouldBe("task:partner.call");
    }

    [Fact]
    public void A_reservation_travels_in_its_header_and_is_dropped_from_copies()
    {
        var raw = new Dictionary<string, object?>
        {
            [Protocol.MessageHeaders.Task] = "partner.call",
            [Protocol.MessageHeaders.Id] = "t1",
            [Protocol.MessageHeaders.RateLimitKey] = "tenant:7",
            [Protocol.MessageHeaders.RateSlot] = "2026-01-02T03:04:05.123456+00:00",
        };
        var headers = TaskHeaders.TryDecode(raw)!;
        headers.RateLimitKey.ShouldBe("tenant:7");
        headers.RateSlot.ShouldBe(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_560));
        HeaderCopy.Of(raw, 0).ShouldNotContainKey(Protocol.MessageHeaders.RateSlot, "a retry or dead letter waits its turn anew");
        HeaderCopy.Of(raw, 0)[Protocol.MessageHeaders.RateLimitKey].ShouldBe("tenant:7");
    }

    private sealed class NoStore : IRateLimitStore
    {
        public System.Threading.Tasks.Task<long> ReserveAsync(string key, long nowTicks, long intervalTicks, System.Threading.CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult(nowTicks + intervalTicks);

        public System.Threading.Tasks.Task<long?> TryStartAsync(string key, long nowTicks, long intervalTicks, long toleranceTicks, long maxWaitTicks, System.Threading.CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult<long?>(nowTicks + intervalTicks);
    }
}
