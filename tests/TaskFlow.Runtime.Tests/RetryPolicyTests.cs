using System;
using System.Linq;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.Core;
using TaskFlow.RabbitMq.Internal;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>Pure computations: backoff schedules and the delay levels' routing.</summary>
public sealed class RetryPolicyTests
{
    [Fact]
    public void Exponential_backoff_doubles_and_is_capped()
    {
        var policy = new RetryPolicy { Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), Jitter = false };

        Enumerable.Range(1, 6).Select(n => policy.DelayFor(n, new Random(1)).TotalSeconds).ShouldBe(new double[] { 1, 2, 4, 8, 10, 10 });
    }

    [Fact]
    public void Full_jitter_stays_between_zero_and_the_computed_delay_and_varies()
    {
        var policy = new RetryPolicy { Delay = TimeSpan.FromSeconds(4), Jitter = true };
        var random = new Random(7);

        var delays = Enumerable.Range(0, 200).Select(_ => policy.DelayFor(1, random)).ToList();

        delays.ShouldAllBe(d => d >= TimeSpan.Zero && d <= TimeSpan.FromSeconds(4));
        delays.Distinct().Count().ShouldBeGreaterThan(150);
    }

    [Fact]
    public void Fixed_and_explicit_schedules()
    {
        new RetryPolicy { Backoff = RetryBackoff.Fixed, Delay = TimeSpan.FromSeconds(3), Jitter = false }.DelayFor(5, new Random()).ShouldBe(TimeSpan.FromSeconds(3));
        var schedule = new RetryPolicy { Schedule = new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30) } };
        schedule.DelayFor(1, new Random()).ShouldBe(TimeSpan.FromSeconds(1));
        schedule.DelayFor(2, new Random()).ShouldBe(TimeSpan.FromSeconds(30));
        schedule.DelayFor(9, new Random()).ShouldBe(TimeSpan.FromSeconds(30), "the last entry repeats");
    }

    [Fact]
    public void Allows_respects_max_retries_filters_and_never_retries_bad_arguments()
    {
        var policy = new RetryPolicy { MaxRetries = 2, ShouldRetry = ex => ex is not NotSupportedException };

        policy.Allows(new TimeoutException(), 0).ShouldBeTrue();
        policy.Allows(new TimeoutException(), 2).ShouldBeFalse();
        policy.Allows(new NotSupportedException(), 0).ShouldBeFalse();
        policy.Allows(new TaskArgumentException("t", "bad"), 0).ShouldBeFalse();
        RetryPolicy.None.Allows(new TimeoutException(), 0).ShouldBeFalse();
    }

    [Fact]
    public void Policy_validation_names_the_problem()
    {
        var errors = new RetryPolicy { MaxRetries = -1, MaxDelay = TimeSpan.FromDays(60) }.Validate("P").ToList();

        errors.ShouldContain(e => e.Contains("MaxRetries must be between 0 and 1000"));
        errors.ShouldContain(e => e.Contains("must not exceed 31.1 days"));
    }

    [Fact]
    public void Delay_levels_encode_the_delay_in_binary_from_the_highest_level()
    {
        DelayLevels.Steps(TimeSpan.Zero).ShouldBe(0);
        DelayLevels.Steps(TimeSpan.FromMilliseconds(1)).ShouldBe(1, "rounded up to the 10 ms resolution");
        DelayLevels.Steps(TimeSpan.FromMilliseconds(25)).ShouldBe(3);
        DelayLevels.Steps(TimeSpan.FromDays(30)).ShouldBe(259_200_000);
        DelayLevels.MaxDelay.TotalDays.ShouldBeGreaterThan(30);
        DelayLevels.MaxDelay.ShouldBe(TaskFlowLimits.MaxDelay, "the limit the core validates against is what the delay levels carry");
        Should.Throw<ArgumentOutOfRangeException>(() => DelayLevels.Steps(TimeSpan.FromDays(32)));

        var key = DelayLevels.RoutingKey(5, "emails");
        key.ShouldBe(string.Concat(Enumerable.Repeat("0.", 25)) + "1.0.1.emails");
        DelayLevels.LevelBinding(0, '1').ShouldBe(string.Concat(Enumerable.Repeat("*.", 27)) + "1.#");
        DelayLevels.LevelBinding(27, '0').ShouldBe("0.#");
        DelayLevels.DeliveryBinding("a.b").ShouldBe(string.Concat(Enumerable.Repeat("*.", 28)) + "a.b");
        DelayLevels.Ttl(0).ShouldBe(TimeSpan.FromMilliseconds(10));
        DelayLevels.Ttl(27).ShouldBe(TimeSpan.FromMilliseconds(10L << 27));
    }
}
