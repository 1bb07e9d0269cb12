using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State.Internal;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// How the state writer releases the waiters of a committed batch: the worker's own waits (<c>ownContinuation</c>)
/// continue one after another on one work item; a wait that an application's code follows is completed on a work item of
/// its own, so that code can never hold up the others.
/// </summary>
public sealed class StateWriterReleaseTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Application_code_after_a_durable_wait_does_not_hold_up_the_rest_of_its_batch(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false, hostedServices: false);
        var store = host.Store;
        await store.Writer.WriteAsync(store.NewWrite("warm-" + Guid.NewGuid().ToString("N"), "t", "q", TaskState.Started, 1), durable: true);

        using var gate = new ManualResetEventSlim();
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var blockedRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task ApplicationCodeAsync(ValueTask wait)
        {
            // Continues where the writer completes the wait (not on xunit's context, whose two threads this blocking code
            // would hold: under load the test's own continuation then waited for the gate's 30 s, and it failed).
            await wait.ConfigureAwait(false);
            blockedRan.TrySetResult();
            gate.Wait(TimeSpan.FromSeconds(30));
        }

        // First in the batch (queued before this call returns): a wait followed by code that blocks (an application's,
        // as after a send's failure record).
        var blocked = ApplicationCodeAsync(store.Writer.WriteAsync(store.NewWrite(prefix + "-app", "t", "q", TaskState.Failed, 0), durable: true));

        // Then the worker's kind, queued right behind it (the same batch, or the next ones).
        var own = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            own.Add(store.Writer.WriteAsync(store.NewWrite($"{prefix}-own-{i}", "t", "q", TaskState.Succeeded, 1), durable: true, ownContinuation: true).AsTask());
        }

        try
        {
            // Checked off xunit's context too: its two threads are shared with the tests running beside this one, and in
            // a CI rehearsal (stop 43) this check resumed only after the gate's 30 s, when the blocked code had returned.
            await Task.Run(async () =>
            {
                await blockedRan.Task.WaitAsync(TimeSpan.FromSeconds(10));
                // The blocked code is still blocking: every other waiter must have been released all the same.
                await Task.WhenAll(own).WaitAsync(TimeSpan.FromSeconds(10));
                blocked.IsCompleted.ShouldBeFalse("the application's code is still waiting on the gate");
            });
            for (var i = 0; i < 20; i++)
            {
                (await store.GetAsync($"{prefix}-own-{i}"))!.State.ShouldBe(TaskState.Succeeded);
            }
        }
        finally
        {
            gate.Set();
            await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Many_waiters_of_one_batch_are_all_released_and_committed(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false, hostedServices: false);
        var store = host.Store;
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var waits = new List<Task>();
        for (var i = 0; i < 500; i++)
        {
            // Started and final of each task, the final waited for: the worker's pattern, folded into one row per task.
            waits.Add(store.Writer.WriteAsync(store.NewWrite($"{prefix}-{i}", "t", "q", TaskState.Started, 1), durable: false).AsTask());
            waits.Add(store.Writer.WriteAsync(store.NewWrite($"{prefix}-{i}", "t", "q", TaskState.Succeeded, 1), durable: true, ownContinuation: i % 2 == 0).AsTask());
        }

        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 500; i += 49)
        {
            (await store.GetAsync($"{prefix}-{i}"))!.State.ShouldBe(TaskState.Succeeded);
        }
    }
}
