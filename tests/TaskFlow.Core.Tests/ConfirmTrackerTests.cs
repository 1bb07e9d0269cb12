using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Shouldly;
using TaskFlow.RabbitMq.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// TaskFlow's own correlation of publisher confirms (<see cref="ConfirmTracker"/>), without a broker: the test plays the
/// broker's <c>basic.ack</c>, <c>basic.nack</c>, <c>basic.return</c> and the channel's close.
/// </summary>
public sealed class ConfirmTrackerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_multiple_ack_confirms_every_publish_up_to_its_tag_and_no_further()
    {
        var tracker = new ConfirmTracker(null);
        var pending = Track(tracker, 1, 5);

        tracker.Ack(3, multiple: true);
        for (var i = 0; i < 3; i++)
        {
            await pending[i].WaitAsync(Patience);
        }

        pending[3].IsCompleted.ShouldBeFalse("tag 4 was not acked");
        pending[4].IsCompleted.ShouldBeFalse("tag 5 was not acked");
        tracker.Pending.ShouldBe(2);

        tracker.Ack(5, multiple: false);
        await pending[4].WaitAsync(Patience);
        pending[3].IsCompleted.ShouldBeFalse("an ack of one tag confirms only that one");
        tracker.Ack(4, multiple: false);
        await pending[3].WaitAsync(Patience);
        tracker.Pending.ShouldBe(0);
    }

    [Fact]
    public async Task A_nack_fails_its_publish_as_refused_and_a_late_or_repeated_ack_changes_nothing()
    {
        var tracker = new ConfirmTracker(null);
        var pending = Track(tracker, 10, 3);

        tracker.Nack(11, multiple: false);
        var refused = await Should.ThrowAsync<PublishException>(() => pending[1].WaitAsync(Patience));
        refused.IsReturn.ShouldBeFalse();
        refused.PublishSequenceNumber.ShouldBe(11UL);

        tracker.Ack(11, multiple: false); // already settled: ignored
        tracker.Ack(12, multiple: true);
        await pending[0].WaitAsync(Patience);
        await pending[2].WaitAsync(Patience);
        tracker.Ack(12, multiple: true);
        tracker.Pending.ShouldBe(0);
    }

    [Fact]
    public async Task A_return_fails_the_pending_publish_with_its_id_exchange_and_routing_key_and_only_that_one()
    {
        var tracker = new ConfirmTracker(null);
        var same = tracker.Track(1, "task-a", "tasks", "queue-1");
        var other = tracker.Track(2, "task-b", "tasks", "nowhere");
        var returned = tracker.Track(3, "task-b", "tasks", "nowhere-else");
        var (sameWait, otherWait, returnedWait) = (Wait(same), Wait(other), Wait(returned));

        tracker.Returned("task-b", "tasks", "nowhere-else");
        var error = await Should.ThrowAsync<PublishException>(() => returnedWait.WaitAsync(Patience));
        error.IsReturn.ShouldBeTrue();

        tracker.Ack(3, multiple: true); // the broker confirms a returned message too: the other two are confirmed
        await sameWait.WaitAsync(Patience);
        await otherWait.WaitAsync(Patience);
        tracker.Pending.ShouldBe(0);
    }

    [Fact]
    public async Task The_channels_close_fails_every_pending_publish_with_its_reason()
    {
        var tracker = new ConfirmTracker(null);
        var pending = Track(tracker, 1, 4);
        tracker.Ack(1, multiple: false);
        await pending[0].WaitAsync(Patience);

        var reason = new ShutdownEventArgs(ShutdownInitiator.Peer, 320, "CONNECTION_FORCED");
        tracker.Close(reason);
        for (var i = 1; i < pending.Count; i++)
        {
            var error = await Should.ThrowAsync<AlreadyClosedException>(() => pending[i].WaitAsync(Patience));
            error.ShutdownReason.ShouldBe(reason);
        }

        tracker.Pending.ShouldBe(0);
    }

    [Fact]
    public async Task Numbering_that_starts_over_fails_what_the_old_numbering_left_pending()
    {
        var tracker = new ConfirmTracker(null);
        var old = Track(tracker, 41, 3);

        // A recovered channel numbers from 1 again; its close was not seen here first.
        var fresh = Wait(tracker.Track(1, "new", "tasks", "q"));
        foreach (var stale in old)
        {
            await Should.ThrowAsync<AlreadyClosedException>(() => stale.WaitAsync(Patience));
        }

        tracker.Ack(1, multiple: false);
        await fresh.WaitAsync(Patience);
        tracker.Pending.ShouldBe(0);
    }

    [Fact]
    public async Task An_abandoned_publish_goes_back_to_the_pool_and_its_tag_is_ignored_later()
    {
        var tracker = new ConfirmTracker(null);
        var abandoned = tracker.Track(1, "a", "tasks", "q");
        var kept = Wait(tracker.Track(2, "b", "tasks", "q"));

        tracker.Abandon(abandoned);
        tracker.Pooled.ShouldBe(1);
        tracker.Pending.ShouldBe(1);

        tracker.Ack(2, multiple: true);
        await kept.WaitAsync(Patience);
        await Eventually.UntilAsync(() => Task.FromResult(tracker.Pooled == 2), Patience, "a confirmation read by its caller goes back to the pool");

        // Reused: the next publish takes a pooled confirmation, with a new version.
        var reused = Wait(tracker.Track(3, "c", "tasks", "q"));
        tracker.Pooled.ShouldBe(1);
        tracker.Ack(3, multiple: false);
        await reused.WaitAsync(Patience);
    }

    [Fact]
    public async Task More_publishes_in_flight_than_the_ring_holds_are_all_tracked_and_confirmed_out_of_order()
    {
        var tracker = new ConfirmTracker(null);
        var pending = Track(tracker, 1, 1000);

        // Every even tag first, one by one, then the rest with one multiple ack.
        for (var tag = 2UL; tag <= 1000; tag += 2)
        {
            tracker.Ack(tag, multiple: false);
        }

        for (var i = 1; i < pending.Count; i += 2)
        {
            await pending[i].WaitAsync(Patience);
        }

        tracker.Pending.ShouldBe(500);
        pending[0].IsCompleted.ShouldBeFalse();
        tracker.Ack(999, multiple: true);
        for (var i = 0; i < pending.Count; i += 2)
        {
            await pending[i].WaitAsync(Patience);
        }

        tracker.Pending.ShouldBe(0);
    }

    private static List<Task> Track(ConfirmTracker tracker, ulong first, int count)
    {
        var pending = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            pending.Add(Wait(tracker.Track(first + (ulong)i, $"task-{first + (ulong)i}", "tasks", "q")));
        }

        return pending;
    }

    private static Task Wait(ConfirmTracker.Confirmation confirmation) => new ValueTask(confirmation, confirmation.Version).AsTask();
}
