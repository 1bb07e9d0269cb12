using System;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using TaskFlow.State.Internal;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// Writes of one task that land in one batch of the state writer fold into one row, in place in the batch's first write of
/// the task: what the earlier write carried (the message's text, the start) is kept, a final state is never moved back by a
/// later write, and every durable waiter of the batch is released, whichever write its fields were folded into.
/// </summary>
public sealed class StateWriterMergeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Writes_of_one_task_in_one_batch_fold_into_one_row_and_every_waiter_is_released()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false, hostedServices: false);
        var store = host.Store;
        var prefix = Guid.NewGuid().ToString("N")[..8];
        await store.Writer.WriteAsync(store.NewWrite(prefix + "-warm", "t", "q", TaskState.Started, 1), durable: true);

        // The table locked by another transaction: the writer's next batch (one write) waits on it, and everything queued
        // meanwhile goes into the batch after it, together.
        await using var locker = await host.Database.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await locker.ExecuteAsync($"LOCK TABLE {host.Schema}.task_state IN ACCESS EXCLUSIVE MODE", transaction: transaction);
        var blocker = store.Writer.WriteAsync(store.NewWrite(prefix + "-blocker", "t", "q", TaskState.Succeeded, 1), durable: true).AsTask();
        await Task.Delay(300);
        blocker.IsCompleted.ShouldBeFalse("the lock holds the writer's batch");

        // Task a, the worker's pattern: its started record (the message's text, not waited for), then its final state
        // (waited for), then a late copy's started record (waited for) that must not move it back.
        var a = prefix + "-a";
        var started = store.NewWrite(a, "t", "q", TaskState.Started, 1);
        started.Arguments = "{\"n\":1}";
        started.Headers = "{\"origin\":\"gen1@host\"}";
        await store.Writer.WriteAsync(started, durable: false);
        var final = store.Writer.WriteAsync(store.NewWrite(a, "t", "q", TaskState.Succeeded, 1, result: "42"), durable: true, ownContinuation: true).AsTask();
        var late = store.Writer.WriteAsync(store.NewWrite(a, "t", "q", TaskState.Started, 2), durable: true).AsTask();

        // Task b: its first write of the batch is the waited-for one (failed), a later one is not waited for.
        var b = prefix + "-b";
        var failed = store.Writer.WriteAsync(store.NewWrite(b, "t", "q", TaskState.Failed, 1, error: "boom"), durable: true).AsTask();
        await store.Writer.WriteAsync(store.NewWrite(b, "t", "q", TaskState.Started, 2), durable: false);

        await Task.Delay(200);
        final.IsCompleted.ShouldBeFalse("queued behind the locked batch");
        await transaction.CommitAsync();
        await Task.WhenAll(blocker, final, late, failed).WaitAsync(Timeout);

        var one = (await store.GetAsync(a))!;
        one.State.ShouldBe(TaskState.Succeeded);
        one.ResultJson.ShouldBe("42");
        one.Attempts.ShouldBe(1, "the late copy's record did not move the final state back");
        one.Arguments.ShouldBe("{\"n\":1}", "the started record's text is kept");
        one.Headers["origin"].ShouldBe("gen1@host");
        one.StartedAt.ShouldNotBeNull("the start of the started record is kept");
        one.CompletedAt.ShouldNotBeNull();

        var two = (await store.GetAsync(b))!;
        two.State.ShouldBe(TaskState.Failed);
        two.Error.ShouldBe("boom");
        two.Attempts.ShouldBe(1);
    }
}
