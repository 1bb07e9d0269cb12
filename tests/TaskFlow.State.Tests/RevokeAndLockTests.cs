using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State.Worker;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>Revoke by id and by entity key; entity leases refusing or waiting for conflicting work (the seeds' notes example).</summary>
public sealed class RevokeAndLockTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Later = TimeSpan.FromSeconds(1.5);

    private static string Key() => Guid.NewGuid().ToString("N");

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_revoked_pending_task_is_skipped_when_it_arrives(string name)
    {
        await using var host = await StateHost.StartAsync(name, concurrency: 1);
        var key = Key();
        var handle = await host.Tasks.Add.ApplyAsync(1, 2, key, host.Options(countdown: Later));

        (await host.Store.RevokeAsync(handle.Id)).ShouldBeTrue();
        (await handle.GetStateAsync())!.State.ShouldBe(TaskState.Revoked);
        var marker = await host.Tasks.Add.ApplyAsync(0, 0, Key(), host.Options(countdown: Later + TimeSpan.FromSeconds(0.5)));
        await marker.WaitAsync(Timeout);

        StateTasks.Runs.ContainsKey(key).ShouldBeFalse();
        var failure = await Should.ThrowAsync<TaskNotSucceededException>(() => handle.WaitAsync(Timeout));
        failure.Info!.State.ShouldBe(TaskState.Revoked);
        (await host.Store.RevokeAsync(marker.Id)).ShouldBeFalse(); // already final
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Revoking_a_running_task_from_another_process_cancels_its_token(string name)
    {
        await using var worker = await StateHost.StartAsync(name);
        await using var other = await StateHost.StartAsync(name, worker: false, schema: worker.Schema, queue: worker.Queue);
        var key = Key();
        var handle = await worker.Tasks.Block.ApplyAsync(key, worker.Options());
        await Eventually.UntilAsync(async () => (await handle.GetStateAsync())?.State == TaskState.Started, Timeout, "the task started");

        var watch = Stopwatch.StartNew();
        (await other.Store.RevokeAsync(handle.Id)).ShouldBeTrue();
        var info = await handle.WaitAsync(Timeout);

        info.State.ShouldBe(TaskState.Revoked);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        StateTasks.Runs[key].ShouldBe(1);
        await Task.Delay(300);
        (await handle.GetStateAsync())!.State.ShouldBe(TaskState.Revoked); // not overwritten as failed
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Revoking_an_entity_revokes_every_unfinished_task_of_that_entity_only(string name)
    {
        await using var host = await StateHost.StartAsync(name, concurrency: 1);
        var note = "note:" + Key();
        var otherNote = "note:" + Key();
        var copies = Key();
        var otherCopies = Key();
        var handles = new[]
        {
            await host.Tasks.Add.ApplyAsync(1, 1, copies, host.Options(entityKey: note, countdown: Later)),
            await host.Tasks.Add.ApplyAsync(1, 2, copies, host.Options(entityKey: note, countdown: Later)),
            await host.Tasks.Add.ApplyAsync(1, 3, copies, host.Options(entityKey: note, countdown: Later)),
        };
        var other = await host.Tasks.Add.ApplyAsync(2, 2, otherCopies, host.Options(entityKey: otherNote, countdown: Later));

        var revoked = await host.Store.RevokeEntityAsync(note);

        revoked.Order().ShouldBe(handles.Select(h => h.Id).Order());
        (await other.WaitAsync(Timeout)).ShouldBe(4);
        await (await host.Tasks.Add.ApplyAsync(0, 0, Key(), host.Options(countdown: TimeSpan.FromSeconds(0.5)))).WaitAsync(Timeout);
        StateTasks.Runs.ContainsKey(copies).ShouldBeFalse();
        foreach (var handle in handles)
        {
            (await handle.GetStateAsync())!.State.ShouldBe(TaskState.Revoked);
        }

        (await host.Store.RevokeEntityAsync(note)).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_conflicting_operation_is_refused_while_tasks_of_the_entity_are_pending_or_waits_for_them(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var note = "note:" + Key();
        var copy = await host.Tasks.Sleep.ApplyAsync(Key(), 1500, host.Options(entityKey: note));

        // Refuse (the default): the delete gets an error naming the pending task.
        var refused = await Should.ThrowAsync<EntityLockedException>(() => host.Store.LockEntityAsync(note));
        refused.EntityKey.ShouldBe(note);
        refused.PendingTaskIds.ShouldBe([copy.Id]);
        refused.Message.ShouldContain("pending or running");

        // Another entity is not affected.
        await using (await host.Store.LockEntityAsync("note:" + Key()))
        {
        }

        // Wait: the lease comes once the copy finished.
        var watch = Stopwatch.StartNew();
        await using (var lease = await host.Store.LockEntityAsync(note, wait: Timeout))
        {
            (await copy.GetStateAsync())!.State.ShouldBe(TaskState.Succeeded);

            // While the lease is held, new work for the entity is refused.
            var blocked = await Should.ThrowAsync<EntityLockedException>(async () => await host.Tasks.Add.ApplyAsync(1, 1, Key(), host.Options(entityKey: note)));
            blocked.Reason.ShouldContain("lease");
            await using (var connection = await host.Database.OpenAsync())
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await Should.ThrowAsync<EntityLockedException>(async () => await new StateTasks.Client(host.Store.Outbox(transaction)).Add.ApplyAsync(1, 1, Key(), host.Options(entityKey: note)));
            }

            // ...and a second lease times out.
            await Should.ThrowAsync<EntityLockedException>(() => host.Store.LockEntityAsync(note, wait: TimeSpan.FromMilliseconds(200)));
        }

        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(500));
        var after = await host.Tasks.Add.ApplyAsync(1, 1, Key(), host.Options(entityKey: note));
        (await after.WaitAsync(Timeout)).ShouldBe(2);
    }
}
