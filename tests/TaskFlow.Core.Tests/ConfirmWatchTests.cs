using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.RabbitMq.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// The confirm timeout of tracked publishes (<see cref="ConfirmWatch"/>), without a broker: a "publish" here is a
/// <see cref="TaskCompletionSource"/> the test completes, as RabbitMQ.Client completes a publish when its confirm comes.
/// </summary>
public sealed class ConfirmWatchTests
{
    [Fact]
    public async Task A_publish_confirmed_in_time_ends_its_wait_with_true_and_leaves_nothing_watched()
    {
        using var watch = new ConfirmWatch(TimeProvider.System);
        var confirm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var wait = watch.WaitAsync(new ValueTask(confirm.Task), TimeSpan.FromSeconds(30));
        wait.IsCompleted.ShouldBeFalse("nothing confirmed yet");
        watch.Count.ShouldBe(1);

        confirm.SetResult();
        (await wait).ShouldBeTrue();
        watch.Count.ShouldBe(0);
        await Eventually.UntilAsync(() => Task.FromResult(watch.Pooled == 1), TimeSpan.FromSeconds(5), "the waiter goes back to the pool once both sides are done with it");
    }

    [Fact]
    public async Task A_publish_without_a_confirm_ends_its_wait_with_false_after_the_timeout_and_its_late_outcome_is_read()
    {
        using var watch = new ConfirmWatch(TimeProvider.System);
        var confirm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timeout = TimeSpan.FromMilliseconds(200);

        var clock = Stopwatch.StartNew();
        (await watch.WaitAsync(new ValueTask(confirm.Task), timeout)).ShouldBeFalse();
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(15), "a wait ends no sooner than its timeout (the clock's resolution aside)");
        watch.Count.ShouldBe(0, "the timed-out wait is off the list");
        watch.Pooled.ShouldBe(0, "the publish has not completed: the waiter is still the publish's");

        // The late outcome, here the channel's close, is read by the watch (an unread one would surface as an
        // unobserved task exception) and the waiter is free again.
        confirm.SetException(new InvalidOperationException("channel closed"));
        await Eventually.UntilAsync(() => Task.FromResult(watch.Pooled == 1), TimeSpan.FromSeconds(5), "the waiter comes back once the late outcome was read");
        confirm.Task.IsFaulted.ShouldBeTrue();
    }

    [Fact]
    public async Task A_publish_that_fails_in_time_ends_its_wait_with_true_and_the_caller_reads_the_error()
    {
        using var watch = new ConfirmWatch(TimeProvider.System);
        var confirm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publish = new ValueTask(confirm.Task);

        var wait = watch.WaitAsync(publish, TimeSpan.FromSeconds(30));
        confirm.SetException(new InvalidOperationException("nack"));

        (await wait).ShouldBeTrue();
        (await Should.ThrowAsync<InvalidOperationException>(async () => await publish)).Message.ShouldBe("nack");
    }

    [Fact]
    public async Task Many_waits_end_each_once_in_any_order_and_only_the_unconfirmed_time_out()
    {
        using var watch = new ConfirmWatch(TimeProvider.System);
        const int n = 2000;
        var confirms = Enumerable.Range(0, n).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var waits = new Task<bool>[n];
        for (var i = 0; i < n; i++)
        {
            // Every tenth is never confirmed within its 300 ms.
            waits[i] = watch.WaitAsync(new ValueTask(confirms[i].Task), TimeSpan.FromMilliseconds(300)).AsTask();
        }

        var order = Enumerable.Range(0, n).Where(i => i % 10 != 0).OrderBy(_ => Random.Shared.Next()).ToArray();
        await Task.WhenAll(order.Select(i => Task.Run(() => confirms[i].SetResult())));

        var results = await Task.WhenAll(waits);
        for (var i = 0; i < n; i++)
        {
            results[i].ShouldBe(i % 10 != 0, $"wait {i}");
        }

        watch.Count.ShouldBe(0);
        foreach (var i in Enumerable.Range(0, n).Where(i => i % 10 == 0))
        {
            confirms[i].SetResult();
        }

        await Eventually.UntilAsync(() => Task.FromResult(watch.Pooled == Math.Min(n, ConfirmWatch.MaxPooled)), TimeSpan.FromSeconds(5), "every waiter back once its publish completed");

        // Reused waiters behave as new ones.
        var again = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = watch.WaitAsync(new ValueTask(again.Task), TimeSpan.FromSeconds(30));
        again.SetResult();
        (await wait).ShouldBeTrue();
    }

    [Fact]
    public async Task A_timeout_must_be_positive_and_disposing_ends_the_waits_as_timed_out_and_reads_their_late_outcomes()
    {
        var watch = new ConfirmWatch(TimeProvider.System);
        Should.Throw<ArgumentOutOfRangeException>(() => watch.WaitAsync(ValueTask.CompletedTask, TimeSpan.Zero).AsTask());

        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = watch.WaitAsync(new ValueTask(waiting.Task), TimeSpan.FromMinutes(5)).AsTask();
        watch.Dispose();
        (await wait.WaitAsync(TimeSpan.FromSeconds(5))).ShouldBeFalse("disposing ends a listed wait without its timer");

        // After disposal a wait ends at once, its publish left running like a timed-out one.
        var late = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (await watch.WaitAsync(new ValueTask(late.Task), TimeSpan.FromSeconds(30))).ShouldBeFalse();
        watch.Pooled.ShouldBe(0, "neither publish has completed: both waiters are still theirs");

        waiting.SetResult();
        late.SetException(new InvalidOperationException("channel closed"));
        await Eventually.UntilAsync(() => Task.FromResult(watch.Pooled == 2), TimeSpan.FromSeconds(5), "both waiters back once the client ended the publishes and their outcomes were read");
    }

    [Fact]
    public async Task A_wait_with_an_earlier_deadline_ends_at_it_even_behind_one_with_a_later_deadline()
    {
        using var watch = new ConfirmWatch(TimeProvider.System);
        var slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var now = TimeProvider.System.GetTimestamp();
        var period = TimeSpan.FromMilliseconds(160); // the timer ticks every 10 ms

        // One publish's write waited first with a deadline far off; a second wait listed after it is due much sooner.
        var late = watch.WaitAsync(new ValueTask(slow.Task), period, now + (30 * TimeProvider.System.TimestampFrequency)).AsTask();
        var stopwatch = Stopwatch.StartNew();
        var early = watch.WaitAsync(new ValueTask(lost.Task), period, now + (TimeProvider.System.TimestampFrequency / 4)).AsTask();

        (await early.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeFalse("the second wait ends at its own deadline, not at the first one's");
        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        late.IsCompleted.ShouldBeFalse("the first wait's deadline is 30 s away");

        slow.SetResult();
        (await late.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();
        lost.SetResult();
        await Eventually.UntilAsync(() => Task.FromResult(watch.Count == 0 && watch.Pooled == 2), TimeSpan.FromSeconds(5), "both waiters end and go back to the pool");
    }
}
