using System;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using TaskFlow.RabbitMq.Internal;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// The publish confirm timeout's shared deadline: calls within one window share a token, which fires no sooner than
/// the timeout after the last of them and no later than timeout + window after the first.
/// </summary>
public sealed class SharedDeadlineTests
{
    [Fact]
    public void Calls_within_a_window_share_a_token_that_fires_between_the_timeout_and_the_timeout_plus_the_window()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var deadline = new SharedDeadline(TimeSpan.FromSeconds(30), time);
        deadline.Window.ShouldBe(TimeSpan.FromSeconds(1));

        var first = deadline.Token();
        time.Advance(TimeSpan.FromMilliseconds(999));
        var last = deadline.Token(); // the same window: the same token
        last.ShouldBe(first);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var next = deadline.Token(); // a new window
        next.ShouldNotBe(first);

        // 30 s after the last call of the first window (30.999 s after the first) it has not fired yet...
        time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(2));
        first.IsCancellationRequested.ShouldBeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));
        first.IsCancellationRequested.ShouldBeFalse(); // exactly 30 s after the last taker
        // ...and by timeout + window after the first call it has.
        time.Advance(TimeSpan.FromMilliseconds(1));
        first.IsCancellationRequested.ShouldBeTrue();
        next.IsCancellationRequested.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(1));
        next.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public void A_short_timeout_has_a_short_window_and_a_non_positive_one_is_refused()
    {
        var time = new FakeTimeProvider();
        new SharedDeadline(TimeSpan.FromMilliseconds(200), time).Window.ShouldBe(TimeSpan.FromMilliseconds(12.5));
        new SharedDeadline(TimeSpan.FromMilliseconds(5), time).Window.ShouldBe(TimeSpan.FromMilliseconds(1));
        Should.Throw<ArgumentOutOfRangeException>(() => new SharedDeadline(TimeSpan.Zero, time));
    }
}
