using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.Infrastructure;
using TaskFlow.State.Worker;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>States for each outcome, typed results through the handle, waiting and its timeout, and the idempotent consumer.</summary>
public sealed class TaskStateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static string Key() => Guid.NewGuid().ToString("N");

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_task_that_returns_a_value_is_recorded_succeeded_with_its_result(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var key = Key();
        var handle = await host.Tasks.Add.ApplyAsync(2, 3, key, host.Options());

        var result = await handle.WaitAsync(Timeout);

        result.ShouldBe(5);
        var info = (await handle.GetStateAsync())!;
        info.State.ShouldBe(TaskState.Succeeded);
        info.TaskName.ShouldBe("state_tests.add");
        info.Queue.ShouldBe(host.Queue);
        info.Attempts.ShouldBe(1);
        info.Worker.ShouldNotBeNullOrEmpty();
        info.ResultJson.ShouldBe("5");
        info.Error.ShouldBeNull();
        info.StartedAt.ShouldNotBeNull();
        info.CompletedAt!.Value.ShouldBeGreaterThanOrEqualTo(info.StartedAt!.Value);
        info.ExpiresAt.ShouldBeGreaterThan(info.CompletedAt.Value.AddHours(23));
        (await handle.GetResultAsync()).ShouldBe(5);
        (await host.Store.GetResultAsync<int>(handle.Id)).ShouldBe(5);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task With_a_store_the_worker_dispatches_ahead_but_never_runs_more_tasks_than_its_concurrency(string database)
    {
        // Concurrency 2, prefetch 4: the channel dispatches up to 4 messages at once (their state reads and commits
        // overlap with runs), yet only 2 task slots exist.
        await using var host = await StateHost.StartAsync(database, concurrency: 2);
        var key = Key();
        var handles = new List<TaskHandle<int>>();
        for (var i = 0; i < 40; i++)
        {
            handles.Add(await host.Tasks.Overlapping.ApplyAsync(i, key, host.Options()));
        }

        for (var i = 0; i < handles.Count; i++)
        {
            (await handles[i].WaitAsync(Timeout)).ShouldBe(i);
        }

        StateTasks.Runs[key].ShouldBe(40);
        StateTasks.MaxRunning[key].ShouldBe(2, "2 task slots; 4 messages dispatched at once");
        foreach (var handle in handles)
        {
            (await handle.GetStateAsync())!.State.ShouldBe(TaskState.Succeeded);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WaitAsync_returns_a_typed_result(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var handle = await host.Tasks.Describe.ApplyAsync(42, Key(), host.Options());

        var summary = await handle.WaitAsync(Timeout);

        summary.Id.ShouldBe(42);
        summary.Title.ShouldBe("note 42");
        summary.Tags.ShouldBe([1, 2, 3]);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WaitAsync_times_out_while_the_task_runs_and_throws_for_a_failed_task(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var slow = await host.Tasks.Sleep.ApplyAsync(Key(), 3000, host.Options());
        var started = DateTime.UtcNow;

        var timeout = await Should.ThrowAsync<TimeoutException>(() => slow.WaitAsync(TimeSpan.FromMilliseconds(400)));

        (DateTime.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(3));
        timeout.Message.ShouldContain(slow.Id);
        var typed = await host.Tasks.Add.ApplyAsync(1, 1, Key(), host.Options(countdown: TimeSpan.FromSeconds(5)));
        await Should.ThrowAsync<TimeoutException>(() => typed.WaitAsync(TimeSpan.FromMilliseconds(200)));

        var failing = TaskHandle<int>.From(await host.Tasks.Fail.ApplyAsync(Key(), host.Options()));
        var failed = await Should.ThrowAsync<TaskNotSucceededException>(() => failing.WaitAsync(Timeout));
        failed.Info!.State.ShouldBe(TaskState.Failed);
        failed.Message.ShouldContain("boom");
    }

    [Fact]
    public async Task Two_hundred_polling_waiters_share_their_reads_on_one_connection()
    {
        // No notifications: every waiter polls (20 ms doubling to 1 s). A data source of this test's own, named, so its
        // server connections can be counted in pg_stat_activity.
        var (source, application) = PgConnections.NamedSource();
        await using var _ = source;
        await using var host = await StateHost.StartAsync("postgresql", configure: o => o.UsePostgreSql(source.CreateConnection));
        host.Store.Waits.ShouldBeNull();
        var handles = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => host.Tasks.Add.ApplyAsync(i, 1, Key(), host.Options(countdown: TimeSpan.FromSeconds(2))).AsTask()));

        var (infos, connections) = await PgConnections.WhileCountingAsync(application, () => Task.WhenAll(handles.Select(h => host.Store.WaitAsync(h.Id, Timeout))));

        infos.Select(i => i.State).ShouldAllBe(s => s == TaskState.Succeeded);
        infos.Select(i => i.TaskId).ShouldBe(handles.Select(h => h.Id));
        // Waiters that started together poll together, so each poll of theirs is one query; one query at a time, on one
        // connection (read each on its own, they took the pool's 100 connections). The worker holds a few more.
        var reads = host.Store.WaiterReads;
        Console.WriteLine($"[waiters] 200 polling waiters: {reads.Reads} reads in {reads.Queries} queries; at most {connections} connections of the host");
        connections.ShouldBeLessThanOrEqualTo(20); // 3-6 seen; 100 when each read took a connection
        reads.Reads.ShouldBeGreaterThanOrEqualTo(1000); // 2 s or more at 20, 40, ... 1,000 ms: 6 polls or more each
        // 28-43 queries for 1,600 reads on a quiet machine; 252 in a CI rehearsal, whose load scatters the timers.
        reads.Queries.ShouldBeLessThan(reads.Reads / 2);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_failing_task_is_recorded_failed_with_its_error(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var key = Key();
        var handle = await host.Tasks.Fail.ApplyAsync(key, host.Options());

        var info = await handle.WaitAsync(Timeout);

        info.State.ShouldBe(TaskState.Failed);
        info.Error!.ShouldContain("System.InvalidOperationException: boom: " + key);
        info.Error.ShouldStartWith("task-failed");
        info.CompletedAt.ShouldNotBeNull();
        StateTasks.Runs[key].ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_retried_task_goes_through_retrying_and_records_its_attempts(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var key = Key();
        var handle = await host.Tasks.RetryOnce.ApplyAsync(key, host.Options());

        // The retry goes through the delay levels (about 100 ms): the record says retrying meanwhile.
        await Eventually.UntilAsync(async () => (await handle.GetStateAsync())?.State is TaskState.Retrying or TaskState.Succeeded, Timeout, "retrying");
        var attempt = await handle.WaitAsync(Timeout);

        attempt.ShouldBe(2);
        var info = (await handle.GetStateAsync())!;
        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(2);
        info.Error.ShouldBeNull();
        StateTasks.Runs[key].ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task An_expired_task_is_recorded_expired_and_not_run(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var key = Key();
        var handle = await host.Tasks.Add.ApplyAsync(1, 2, key, new SendOptions { Queue = host.Queue, ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });

        var failure = await Should.ThrowAsync<TaskNotSucceededException>(() => handle.WaitAsync(Timeout));

        failure.Info!.State.ShouldBe(TaskState.Expired);
        StateTasks.Runs.ContainsKey(key).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_message_with_invalid_arguments_is_recorded_dead_lettered(string database)
    {
        await using var host = await StateHost.StartAsync(database);
        var client = host.Services.GetRequiredService<ITaskClient>();
        // The worker's "state_tests.add" takes (int, int, string): this sends one string.
        var wrong = new TaskDescriptor("state_tests.add", null, "test", [new TaskArgumentDescriptor("a", "a", "string", false)], _ => ValueTask.FromResult<object?>(null));

        var handle = await client.SendAsync(wrong, new OneString("not a number"), host.Options());
        var info = await handle.WaitAsync(Timeout);

        info.State.ShouldBe(TaskState.DeadLettered);
        info.Error!.ShouldStartWith("invalid-arguments");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_task_id_that_already_succeeded_is_acked_and_skipped_when_it_arrives_again(string database)
    {
        // One task at a time, so the marker sent last runs last.
        await using var host = await StateHost.StartAsync(database, concurrency: 1);
        var key = Key();
        var id = Guid.NewGuid().ToString();
        var first = await host.Tasks.Add.ApplyAsync(20, 22, key, host.Options(taskId: id));
        (await first.WaitAsync(Timeout)).ShouldBe(42);

        // The same task id again (as after a crash between the task's success and its ack), then a marker.
        await host.Tasks.Add.ApplyAsync(20, 22, key, host.Options(taskId: id));
        var marker = await host.Tasks.Add.ApplyAsync(0, 0, Key(), host.Options());
        await marker.WaitAsync(Timeout);

        StateTasks.Runs[key].ShouldBe(1);
        var info = (await first.GetStateAsync())!;
        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Results_can_be_ignored_per_call_per_task_and_globally(string database)
    {
        await using (var host = await StateHost.StartAsync(database, configure: o => o.Tasks["state_tests.describe"] = new TaskStatePolicy { IgnoreResult = true }))
        {
            var perCall = await host.Tasks.Add.ApplyAsync(1, 2, Key(), host.Options(ignoreResult: true));
            var info = await ((TaskHandle)perCall).WaitAsync(Timeout);
            info.State.ShouldBe(TaskState.Succeeded);
            info.ResultJson.ShouldBeNull();
            await Should.ThrowAsync<InvalidOperationException>(() => perCall.GetResultAsync());

            var perTask = await host.Tasks.Describe.ApplyAsync(1, Key(), host.Options());
            (await ((TaskHandle)perTask).WaitAsync(Timeout)).ResultJson.ShouldBeNull();

            var kept = await host.Tasks.Add.ApplyAsync(1, 2, Key(), host.Options());
            (await kept.WaitAsync(Timeout)).ShouldBe(3);
        }

        await using (var host = await StateHost.StartAsync(database, configure: o => o.IgnoreResults = true))
        {
            var handle = await host.Tasks.Add.ApplyAsync(1, 2, Key(), host.Options());
            (await ((TaskHandle)handle).WaitAsync(Timeout)).ResultJson.ShouldBeNull();
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Eager_mode_records_states_and_results_too(string database)
    {
        await using var host = await StateHost.StartAsync(database, worker: false, eager: true);
        var handle = await host.Tasks.Add.ApplyAsync(4, 5, Key(), host.Options());

        (await handle.GetResultAsync()).ShouldBe(9);
        var failing = host.Tasks.Fail.ApplyAsync(Key(), host.Options());
        await Should.ThrowAsync<InvalidOperationException>(async () => await failing);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task An_untracked_task_leaves_no_record(string database)
    {
        await using var host = await StateHost.StartAsync(database, configure: o => o.Tasks["state_tests.add"] = new TaskStatePolicy { Track = false });
        var key = Key();
        var handle = await host.Tasks.Add.ApplyAsync(1, 2, key, host.Options());
        await Eventually.UntilAsync(() => Task.FromResult(StateTasks.Runs.ContainsKey(key)), Timeout, "the task ran");
        await Task.Delay(300);

        (await handle.GetStateAsync()).ShouldBeNull();
    }

    private readonly struct OneString(string value) : ITaskArgumentWriter
    {
        public void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
