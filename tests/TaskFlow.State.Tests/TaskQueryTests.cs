using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The operator's view of the store (issue 11): the task list with its filters and keyset paging, the overview's counts,
/// lineage (parent and root ids) recorded from tasks that send tasks, the tasks of a lost worker, and batch revoke
/// releasing the entities that pending records held.
/// </summary>
public sealed class TaskQueryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Key() => Guid.NewGuid().ToString("N");

    private static async Task<List<TaskStateInfo>> AllAsync(TaskStateStore store, TaskQuery query)
    {
        var all = new List<TaskStateInfo>();
        var page = await store.QueryTasksAsync(query);
        all.AddRange(page.Tasks);
        while (page.NextCursor is { } cursor)
        {
            page = await store.QueryTasksAsync(query with { Cursor = cursor });
            all.AddRange(page.Tasks);
        }

        return all;
    }

    private static async Task<string[]> IdsAsync(TaskStateStore store, TaskQuery query) =>
        (await AllAsync(store, query)).Select(t => t.TaskId).Order(StringComparer.Ordinal).ToArray();

    /// <summary>As <see cref="StateHost.EventuallyAsync"/>, with every record of the store in the message when it times out.</summary>
    private static async Task EventuallyAsync(TaskStateStore store, Func<Task<bool>> condition, string what)
    {
        try
        {
            await Eventually.UntilAsync(condition, Timeout, what);
        }
        catch (TimeoutException timeout)
        {
            var records = (await AllAsync(store, new TaskQuery())).Select(t => $"{t.TaskId} {t.TaskName} {t.State} parent={t.ParentId} root={t.RootId} error={t.Error}");
            throw new TimeoutException(timeout.Message + "; the store holds:\n" + string.Join("\n", records), timeout);
        }
    }

    private static string[] Sorted(params IEnumerable<string>[] ids) => ids.SelectMany(i => i).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_task_list_filters_by_state_name_queue_entity_worker_error_and_time(string name)
    {
        var worker = "query-worker-" + Key()[..8];
        await using var host = await StateHost.StartAsync(name, workerName: worker);
        var store = host.Store;
        var note = "note:" + Key();

        // Batch 1: two successes, two failures (no retries: dead-lettered as task-failed), one of an entity.
        var added = new[] { await host.Tasks.Add.ApplyAsync(1, 2, Key(), host.Options()), await host.Tasks.Add.ApplyAsync(3, 4, Key(), host.Options()) };
        var failed = new[] { await host.Tasks.Fail.ApplyAsync(Key(), host.Options()), await host.Tasks.Fail.ApplyAsync(Key(), host.Options()) };
        var ofNote = await host.Tasks.Add.ApplyAsync(5, 6, Key(), host.Options(entityKey: note));
        foreach (var handle in added.Concat(failed).Append(ofNote))
        {
            await handle.WaitAsync(Timeout);
        }

        await Task.Delay(50);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);

        // Batch 2: one more success.
        var later = await host.Tasks.Add.ApplyAsync(7, 8, Key(), host.Options());
        await later.WaitAsync(Timeout);

        var addIds = added.Select(h => h.Id).Append(ofNote.Id).Append(later.Id).ToArray();
        var failIds = failed.Select(h => h.Id).ToArray();
        var everything = Sorted(addIds, failIds);

        (await IdsAsync(store, new TaskQuery())).ShouldBe(everything);
        (await IdsAsync(store, new TaskQuery { States = [TaskState.Failed] })).ShouldBe(Sorted(failIds));
        (await IdsAsync(store, new TaskQuery { States = [TaskState.Failed, TaskState.Succeeded] })).ShouldBe(everything);
        (await IdsAsync(store, new TaskQuery { States = [TaskState.Pending, TaskState.Started] })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { TaskName = "state_tests.add" })).ShouldBe(Sorted(addIds));
        (await IdsAsync(store, new TaskQuery { TaskName = "state_tests.nothing" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { Queue = host.Queue })).ShouldBe(everything);
        (await IdsAsync(store, new TaskQuery { Queue = host.Queue + "-other" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { EntityKey = note })).ShouldBe([ofNote.Id]);

        // The records name the worker as its heartbeats do (TaskFlowWorkerOptions.WorkerName), not the process default.
        (await IdsAsync(store, new TaskQuery { Worker = worker })).ShouldBe(everything);
        (await IdsAsync(store, new TaskQuery { Worker = $"{Environment.MachineName}:{Environment.ProcessId}" })).ShouldBeEmpty();

        // Error: the exception type after the dead-letter reason, the reason itself, never a wildcard.
        (await IdsAsync(store, new TaskQuery { Error = "System.InvalidOperationException" })).ShouldBe(Sorted(failIds));
        (await IdsAsync(store, new TaskQuery { Error = "task-failed" })).ShouldBe(Sorted(failIds));
        (await IdsAsync(store, new TaskQuery { Error = "System.TimeoutException" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { Error = "%" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { Error = "task_failed" })).ShouldBeEmpty();
        (await AllAsync(store, new TaskQuery { Error = "System.InvalidOperationException" })).ShouldAllBe(t => t.Error!.StartsWith("task-failed: System.InvalidOperationException: boom"));

        // Time ranges.
        (await IdsAsync(store, new TaskQuery { CreatedSince = between })).ShouldBe([later.Id]);
        (await IdsAsync(store, new TaskQuery { CreatedUntil = between })).ShouldBe(Sorted(addIds.Except([later.Id]), failIds));
        (await IdsAsync(store, new TaskQuery { UpdatedSince = between })).ShouldBe([later.Id]);
        (await IdsAsync(store, new TaskQuery { UpdatedUntil = between, States = [TaskState.Succeeded] })).ShouldBe(Sorted(addIds.Except([later.Id])));

        // Filters combine.
        (await IdsAsync(store, new TaskQuery { TaskName = "state_tests.add", States = [TaskState.Succeeded], CreatedUntil = between, EntityKey = note })).ShouldBe([ofNote.Id]);

        // The records carry what the list shows.
        var failure = (await store.QueryTasksAsync(new TaskQuery { States = [TaskState.Failed], Limit = 1 })).Tasks.ShouldHaveSingleItem();
        failure.TaskName.ShouldBe("state_tests.fail");
        failure.Queue.ShouldBe(host.Queue);
        failure.Worker.ShouldBe(worker);
        failure.Attempts.ShouldBe(1);

        // Bad input: a clear error, nothing read.
        (await Should.ThrowAsync<ArgumentOutOfRangeException>(() => store.QueryTasksAsync(new TaskQuery { Limit = 0 }))).Message.ShouldContain("TaskQuery.Limit");
        (await Should.ThrowAsync<ArgumentOutOfRangeException>(() => store.QueryTasksAsync(new TaskQuery { Limit = TaskQuery.MaxLimit + 1 }))).Message.ShouldContain("1000");
        (await Should.ThrowAsync<ArgumentException>(() => store.QueryTasksAsync(new TaskQuery { Cursor = "not-a-cursor" }))).Message.ShouldContain("NextCursor");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Pages_list_every_task_once_newest_first_with_ties_in_timestamps_and_new_tasks_arriving(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false);
        var store = host.Store;

        // 250 records over 3 instants (83-84 share each created_at): the keyset must break the ties by task id.
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var instants = new[] { start, start.AddSeconds(1), start.AddSeconds(2) };
        var writes = Enumerable.Range(0, 250).Select(i =>
        {
            var write = store.NewWrite("page-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), "paging.task", host.Queue, i % 5 == 0 ? TaskState.Failed : TaskState.Succeeded);
            write.Now = instants[i % 3];
            return write;
        }).ToList();
        await store.Database.States.WriteAsync(writes, default);

        var expected = writes.OrderByDescending(w => w.Now).ThenByDescending(w => w.TaskId, StringComparer.Ordinal).Select(w => w.TaskId).ToList();

        // Page by page, tasks recorded after the first page (newer) neither appear nor shift the pages.
        var seen = new List<string>();
        var query = new TaskQuery { Limit = 40 };
        var page = await store.QueryTasksAsync(query);
        page.Tasks.Count.ShouldBe(40);
        seen.AddRange(page.Tasks.Select(t => t.TaskId));
        var newer = Enumerable.Range(0, 10).Select(i => store.NewWrite("page-new-" + i, "paging.task", host.Queue, TaskState.Succeeded)).ToList();
        await store.Database.States.WriteAsync(newer, default);
        var pages = 1;
        while (page.NextCursor is { } cursor)
        {
            page = await store.QueryTasksAsync(query with { Cursor = cursor });
            seen.AddRange(page.Tasks.Select(t => t.TaskId));
            pages++;
        }

        seen.ShouldBe(expected);
        pages.ShouldBe(7); // 6 full pages and 10 on the last: no empty page at the end
        page.Tasks.Count.ShouldBe(10);

        // With a filter, and a page size that divides the matches exactly: still no empty last page.
        var failedPages = new List<TaskPage> { await store.QueryTasksAsync(new TaskQuery { States = [TaskState.Failed], Limit = 25 }) };
        while (failedPages[^1].NextCursor is { } cursor)
        {
            failedPages.Add(await store.QueryTasksAsync(new TaskQuery { States = [TaskState.Failed], Limit = 25, Cursor = cursor }));
        }

        failedPages.Count.ShouldBe(2);
        failedPages.SelectMany(p => p.Tasks).Select(t => t.TaskId).ShouldBe(expected.Where(id => int.Parse(id[5..], System.Globalization.CultureInfo.InvariantCulture) % 5 == 0));

        // The newest first page now starts with the tasks recorded meanwhile.
        (await store.QueryTasksAsync(new TaskQuery { Limit = 10 })).Tasks.Select(t => t.TaskId).Order(StringComparer.Ordinal).ShouldBe(newer.Select(w => w.TaskId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Counts_give_the_overview_by_state_and_by_task(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var handles = new List<TaskHandle>
        {
            await host.Tasks.Add.ApplyAsync(1, 1, Key(), host.Options()),
            await host.Tasks.Add.ApplyAsync(1, 2, Key(), host.Options()),
            await host.Tasks.Add.ApplyAsync(1, 3, Key(), host.Options()),
            await host.Tasks.Fail.ApplyAsync(Key(), host.Options()),
            await host.Tasks.Fail.ApplyAsync(Key(), host.Options()),
        };
        foreach (var handle in handles)
        {
            await handle.WaitAsync(Timeout);
        }

        // Pending: sent to a queue nobody consumes (deleted below; never a countdown here, see StateTasks.Spawn).
        var idle = host.Queue + "-idle";
        var parked = await host.Tasks.Add.ApplyAsync(2, 2, Key(), new SendOptions { Queue = idle, EntityKey = "note:" + Key() });
        await StateHost.DeleteQueueAsync(idle);

        var counts = await host.Store.GetTaskCountsAsync(since);

        counts.Total.ShouldBe(6);
        counts.ByState.ShouldBe(new Dictionary<TaskState, long> { [TaskState.Pending] = 1, [TaskState.Succeeded] = 3, [TaskState.Failed] = 2 }, ignoreOrder: true);
        counts.ByTask.ShouldBe(
        [
            new TaskStateCount("state_tests.add", TaskState.Pending, 1),
            new TaskStateCount("state_tests.add", TaskState.Succeeded, 3),
            new TaskStateCount("state_tests.fail", TaskState.Failed, 2),
        ]);
        (await host.Store.GetTaskCountsAsync(DateTimeOffset.UtcNow.AddMinutes(1))).Total.ShouldBe(0);
        (await host.Store.RevokeAsync([parked.Id])).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Lineage_of_tasks_sent_from_running_tasks_is_recorded_at_send_and_at_run(string name)
    {
        // RecordPending: the parked children are recorded by the sending task (the send path); the tree that
        // runs is recorded by the worker from the message headers (the run path).
        await using var host = await StateHost.StartAsync(name, configure: o => o.RecordPending = true);
        var store = host.Store;
        var key = Key();

        // A root with 2 children with 2 children each: 7 tasks, run by a real worker.
        var root = await host.Tasks.Spawn.ApplyAsync(key, 2, 2, false, host.Options());
        var children = await root.WaitAsync(Timeout);
        children.Length.ShouldBe(2);
        await EventuallyAsync(store, async () => (await AllAsync(store, new TaskQuery { RootId = root.Id, States = [TaskState.Succeeded] })).Count == 7, "the whole tree ran");

        var tree = await AllAsync(store, new TaskQuery { RootId = root.Id });
        tree.Count.ShouldBe(7);
        var rootInfo = tree.Single(t => t.TaskId == root.Id);
        rootInfo.ParentId.ShouldBeNull();
        rootInfo.RootId.ShouldBeNull(); // a root is its own root: not stored
        tree.Where(t => t.TaskId != root.Id).ShouldAllBe(t => t.RootId == root.Id);

        (await IdsAsync(store, new TaskQuery { ParentId = root.Id })).ShouldBe(children.Order(StringComparer.Ordinal).ToArray());
        foreach (var child in children)
        {
            var grandchildren = await AllAsync(store, new TaskQuery { ParentId = child });
            grandchildren.Count.ShouldBe(2);
            grandchildren.ShouldAllBe(t => t.ParentId == child && t.RootId == root.Id && t.State == TaskState.Succeeded);
            (await store.GetAsync(child))!.ParentId.ShouldBe(root.Id);
        }

        (await IdsAsync(store, new TaskQuery { ParentId = children[0], RootId = root.Id })).Length.ShouldBe(2);
        StateTasks.Runs[key].ShouldBe(7);

        // Parked children (a queue nobody consumes): pending records written at send, with their lineage, before any worker saw them.
        var parkKey = Key();
        var parent = await host.Tasks.Spawn.ApplyAsync(parkKey, 3, 1, true, host.Options());
        var parked = await parent.WaitAsync(Timeout);
        await EventuallyAsync(store, async () => (await AllAsync(store, new TaskQuery { ParentId = parent.Id })).Count == 3, "the parked children were recorded");
        var pending = await AllAsync(store, new TaskQuery { ParentId = parent.Id });
        pending.Select(t => t.TaskId).Order(StringComparer.Ordinal).ShouldBe(parked.Order(StringComparer.Ordinal));
        pending.ShouldAllBe(t => t.State == TaskState.Pending && t.RootId == parent.Id && t.Worker == null);
        (await store.RevokeAsync(parked)).ShouldBe(3);
        await StateHost.DeleteQueueAsync(host.Queue + "-parked");
    }

    [Fact]
    public async Task The_tasks_running_on_a_killed_worker_are_listed_as_on_a_lost_worker()
    {
        var worker = "live-" + Key()[..8];
        // Lost after three of the reader's heartbeat intervals without one: 1 s here, so a stall of the host under CI's load
        // (test projects side by side) does not make this test's own live worker look lost; the child beats every 300 ms.
        await using var host = await StateHost.StartAsync("postgresql", configure: o => o.WorkerHeartbeatInterval = TimeSpan.FromSeconds(1), workerName: worker);
        var store = host.Store;
        var childQueue = host.Queue + "-lost";
        try
        {
            var child = await WorkerProcess.StartAsync(host.Schema, childQueue, "normal");
            await using (child)
            {
                var onLive = await host.Tasks.Block.ApplyAsync(Key(), host.Options());
                var onChild = await host.Tasks.Block.ApplyAsync(Key(), new SendOptions { Queue = childQueue });
                await Eventually.UntilAsync(async () => (await onLive.GetStateAsync())?.State == TaskState.Started && (await onChild.GetStateAsync())?.State == TaskState.Started, Timeout, "both tasks started");
                (await store.QueryTasksAsync(new TaskQuery { LostWorkersOnly = true })).Tasks.ShouldBeEmpty();

                child.Kill();
                await Eventually.UntilAsync(async () => (await store.GetWorkersAsync()).Any(w => w.ProcessId == child.Id && w.Status == WorkerStatus.Lost), Timeout, "the killed worker is reported lost");

                // The query's moment and the heartbeats' are apart: waited for until it lists the killed worker's task alone
                // (CI once saw this test's live worker listed too, its heartbeat late past the 0.9 s of a 300 ms interval).
                IReadOnlyList<TaskStateInfo> onLost = [];
                await Eventually.UntilAsync(
                    async () => (onLost = (await store.QueryTasksAsync(new TaskQuery { LostWorkersOnly = true, States = [TaskState.Started] })).Tasks).Count == 1,
                    Timeout,
                    "only the killed worker's task is on a lost worker");
                var lost = onLost.ShouldHaveSingleItem();
                lost.TaskId.ShouldBe(onChild.Id);
                lost.Worker.ShouldBe((await store.GetWorkersAsync()).Single(w => w.ProcessId == child.Id).Name);
                (await IdsAsync(store, new TaskQuery { Worker = worker, States = [TaskState.Started] })).ShouldBe([onLive.Id]);
                (await IdsAsync(store, new TaskQuery { LostWorkersOnly = true, Worker = worker })).ShouldBeEmpty();

                // Both revoked in one call: the one on the live worker is cancelled, the lost one's record is final.
                (await store.RevokeAsync([onLive.Id, onChild.Id, onChild.Id])).ShouldBe(2);
                (await onLive.WaitAsync(Timeout)).State.ShouldBe(TaskState.Revoked);
                (await store.QueryTasksAsync(new TaskQuery { LostWorkersOnly = true, States = [TaskState.Started] })).Tasks.ShouldBeEmpty();
            }
        }
        finally
        {
            await StateHost.DeleteQueueAsync(childQueue);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Batch_revoke_releases_the_entity_that_pending_tasks_of_a_purged_queue_held(string name)
    {
        // No worker: the tasks wait in their queue, as before a purge.
        await using var host = await StateHost.StartAsync(name, worker: false);
        var store = host.Store;
        var note = "note:" + Key();
        var otherNote = "note:" + Key();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await host.Tasks.Add.ApplyAsync(i, i, Key(), host.Options(entityKey: note))).Id);
        }

        var other = await host.Tasks.Add.ApplyAsync(9, 9, Key(), host.Options(entityKey: otherNote));
        var done = store.NewWrite("done-" + Key(), "state_tests.add", host.Queue, TaskState.Succeeded);
        await store.Database.States.WriteAsync([done], default);

        // The messages are purged; their pending records still hold the entity (they would until UnfinishedExpiry).
        await using (var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            (await channel.QueuePurgeAsync(host.Queue)).ShouldBe(4u);
        }

        var refused = await Should.ThrowAsync<EntityLockedException>(() => store.LockEntityAsync(note));
        refused.PendingTaskIds.Order(StringComparer.Ordinal).ShouldBe(ids.Order(StringComparer.Ordinal));

        // Revoking what was purged (as `taskflow purge` does) releases it at once; final and unknown ids as documented.
        var unknown = "never-sent-" + Key();
        (await store.RevokeAsync([.. ids, ids[0], done.TaskId, unknown])).ShouldBe(4);
        await using (await store.LockEntityAsync(note))
        {
            (await Should.ThrowAsync<EntityLockedException>(async () => await host.Tasks.Add.ApplyAsync(1, 1, Key(), host.Options(entityKey: note)))).Reason.ShouldContain("lease");
        }

        foreach (var id in ids.Append(unknown))
        {
            (await store.GetAsync(id))!.State.ShouldBe(TaskState.Revoked);
        }

        (await store.GetAsync(done.TaskId))!.State.ShouldBe(TaskState.Succeeded);
        await Should.ThrowAsync<EntityLockedException>(() => store.LockEntityAsync(otherNote)); // untouched
        (await store.RevokeAsync([other.Id])).ShouldBe(1);
        await using (await store.LockEntityAsync(otherNote))
        {
        }

        (await store.RevokeAsync(Array.Empty<string>())).ShouldBe(0);
        (await store.RevokeAsync(ids)).ShouldBe(0); // already final
        (await Should.ThrowAsync<ArgumentException>(() => store.RevokeAsync(["ok", ""]))).Message.ShouldContain("Nothing was revoked");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Batch_revoke_takes_more_ids_than_one_statement_holds(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false);
        var ids = Enumerable.Range(0, 2500).Select(i => "bulk-" + i).ToList();
        await host.Store.Database.States.WriteAsync(ids.Take(2000).Select(id => host.Store.NewWrite(id, "bulk.task", host.Queue, TaskState.Pending)).ToList(), default);

        (await host.Store.RevokeAsync(ids)).ShouldBe(2500);

        (await host.Store.GetTaskCountsAsync(DateTimeOffset.UtcNow.AddMinutes(-5))).ByState.ShouldBe(new Dictionary<TaskState, long> { [TaskState.Revoked] = 2500 });
    }
}
