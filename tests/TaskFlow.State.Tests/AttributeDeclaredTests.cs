using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.State.Worker;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// <c>[Task(EntityKey = "note:{noteId}")]</c> and <c>[Task(IgnoreResult = ...)]</c> end to end: the generated proxies
/// fill the options a call leaves unset, the worker honours the declaration for any sender, and the order of the
/// settings (docs/state.md) holds against the real broker and database.
/// </summary>
public sealed class AttributeDeclaredTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static string Key() => Guid.NewGuid().ToString("N");

    private static int NoteId() => Random.Shared.Next(1, int.MaxValue);

    /// <summary>A host whose default queue is its own, so that <c>DelayAsync</c> without options reaches its worker (the broker is shared).</summary>
    private static Task<StateHost> StartAsync(string database, bool worker = true, Action<TaskStateOptions>? configure = null, bool eager = false)
    {
        var queue = "tf-state-" + Guid.NewGuid().ToString("N")[..10];
        return StateHost.StartAsync(database, worker: worker, configure: configure, queue: queue, eager: eager, flow: o => o.DefaultQueue = queue);
    }

    private static DeclaredTasks.Client Tasks(StateHost host) => host.Services.GetRequiredService<DeclaredTasks.Client>();

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_task_declaring_its_entity_key_is_pending_for_that_entity_without_options_so_it_can_be_revoked_and_locks_the_entity(string name)
    {
        // No worker: the copy stays pending.
        await using var host = await StartAsync(name, worker: false);
        var noteId = NoteId();
        var entity = $"note:{noteId}";
        var key = Key();

        var copy = await Tasks(host).CopyNote.DelayAsync(noteId, 10, key);

        var pending = (await copy.GetStateAsync()).ShouldNotBeNull();
        pending.State.ShouldBe(TaskState.Pending);
        pending.EntityKey.ShouldBe(entity);
        pending.TaskName.ShouldBe("state_tests.declared.copy_note");

        // The conflicting operation is refused while the copy is pending...
        var refused = await Should.ThrowAsync<EntityLockedException>(() => host.Store.LockEntityAsync(entity));
        refused.EntityKey.ShouldBe(entity);
        refused.PendingTaskIds.ShouldBe([copy.Id]);

        // ...and revoking the entity revokes it, after which the entity can be locked.
        (await host.Store.RevokeEntityAsync(entity)).ShouldBe([copy.Id]);
        (await copy.GetStateAsync())!.State.ShouldBe(TaskState.Revoked);
        await using (var lease = await host.Store.LockEntityAsync(entity))
        {
            lease.EntityKey.ShouldBe(entity);

            // While the lease is held, a declared-key task for the entity cannot be sent, with or without options.
            await Should.ThrowAsync<EntityLockedException>(async () => await Tasks(host).CopyNote.DelayAsync(noteId, 1, Key()));
            await Should.ThrowAsync<EntityLockedException>(async () => await Tasks(host).CopyNote.ApplyAsync(noteId, 1, Key(), new SendOptions { Countdown = TimeSpan.FromSeconds(1) }));
        }

        StateTasks.Runs.ContainsKey(key).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_declared_entity_key_fills_options_without_one_and_an_explicit_key_wins(string name)
    {
        await using var host = await StartAsync(name);
        var noteId = NoteId();

        var declared = await Tasks(host).CopyNote.ApplyAsync(noteId, 3, Key(), host.Options());
        var explicitKey = "note:explicit-" + Key();
        var overridden = await Tasks(host).CopyNote.ApplyAsync(noteId, 4, Key(), host.Options(entityKey: explicitKey));

        (await declared.WaitAsync(Timeout)).ShouldBe(3);
        (await overridden.WaitAsync(Timeout)).ShouldBe(4);
        var info = (await declared.GetStateAsync()).ShouldNotBeNull();
        info.State.ShouldBe(TaskState.Succeeded);
        info.EntityKey.ShouldBe($"note:{noteId}");
        info.ResultJson.ShouldBe("3");
        (await overridden.GetStateAsync())!.EntityKey.ShouldBe(explicitKey);

        // Nothing left pending on the entity: the delete may go ahead.
        await using (await host.Store.LockEntityAsync($"note:{noteId}"))
        {
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_task_declaring_IgnoreResult_succeeds_without_a_result_whoever_sent_it(string name)
    {
        await using (var host = await StartAsync(name))
        {
            // Through the generated proxy, no options: the message carries ignore_result.
            var handle = await Tasks(host).Ignored.DelayAsync(1, 2);
            var info = await ((TaskHandle)handle).WaitAsync(Timeout);
            info.State.ShouldBe(TaskState.Succeeded);
            info.ResultJson.ShouldBeNull();
            await Should.ThrowAsync<InvalidOperationException>(() => handle.GetResultAsync());

            // A message whose ignore_result is false, as a Celery client sends by default: the worker's descriptor decides.
            var fromOtherClient = await Tasks(host).Ignored.ApplyAsync(3, 4, new SendOptions { IgnoreResult = false });
            var other = await ((TaskHandle)fromOtherClient).WaitAsync(Timeout);
            other.State.ShouldBe(TaskState.Succeeded);
            other.ResultJson.ShouldBeNull();

            // A task that declares nothing keeps its result.
            var plain = await host.Tasks.Add.ApplyAsync(2, 3, Key(), host.Options());
            (await plain.WaitAsync(Timeout)).ShouldBe(5);
        }

        // Eager mode runs the same rule.
        await using (var host = await StartAsync(name, worker: false, eager: true))
        {
            var handle = await Tasks(host).Ignored.DelayAsync(5, 6);
            var info = await ((TaskHandle)handle).WaitAsync(Timeout);
            info.State.ShouldBe(TaskState.Succeeded);
            info.ResultJson.ShouldBeNull();
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_operators_per_task_setting_overrides_the_declaration_and_an_explicit_false_declaration_overrides_the_global_default(string name)
    {
        await using var host = await StartAsync(name, configure: o =>
        {
            o.IgnoreResults = true;
            o.Tasks["state_tests.declared.ignored"] = new TaskStatePolicy { IgnoreResult = false };
        });

        // [Task(IgnoreResult = true)], sent with ignore_result by the proxy, but the operator keeps its results.
        (await (await Tasks(host).Ignored.DelayAsync(2, 5)).WaitAsync(Timeout)).ShouldBe(7);

        // [Task(IgnoreResult = false)] keeps its result although IgnoreResults is on...
        (await (await Tasks(host).Kept.DelayAsync(2, 5)).WaitAsync(Timeout)).ShouldBe(10);

        // ...while a task that declares nothing follows IgnoreResults.
        var plain = await host.Tasks.Add.ApplyAsync(2, 3, Key(), host.Options());
        (await ((TaskHandle)plain).WaitAsync(Timeout)).ResultJson.ShouldBeNull();
    }
}
