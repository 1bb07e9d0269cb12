using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Dapper;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The state store's half of long-running tasks against a real broker and database: the lease held while a task runs,
/// progress at a bounded rate, checkpoints (also in the task's transaction), fencing and the reaper, cancellation
/// through the handle, and messages that name a task but cannot be decoded. Kills of real worker processes are in
/// the fault tests (TaskFlow.FaultTests, LongRunningTests).
/// </summary>
public sealed class LongRunningStoreTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Key() => Guid.NewGuid().ToString("N");

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_long_task_holds_a_lease_while_it_runs_reports_progress_at_a_bounded_rate_and_releases_the_lease(string name)
    {
        await using var host = await StateHost.StartAsync(name, configure: o =>
        {
            o.ProgressInterval = TimeSpan.FromMilliseconds(400);
            o.LeaseDuration = TimeSpan.FromSeconds(3);
        });
        var key = Key();
        var handle = await host.Tasks.LongSteps.ApplyAsync(key, 12, 150, host.Options());

        var seen = new List<TaskProgress>();
        var leaseSeen = false;
        TaskStateInfo? info;
        do
        {
            info = await handle.GetStateAsync();
            if (info?.Progress is { } progress && (seen.Count == 0 || seen[^1] != progress))
            {
                seen.Add(progress);
            }

            if (info?.State == TaskState.Started)
            {
                leaseSeen |= await LeasesAsync(host, handle.Id) == 1;
            }

            await Task.Delay(40);
        }
        while (info is not { IsFinal: true });

        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(1);
        leaseSeen.ShouldBeTrue("a lease row stood for the task while it ran");
        // The final state commits first and the lease is deleted after it (a separate statement once the outcome is
        // settled), so a reader can see the task final for a moment before the lease row goes.
        await Eventually.UntilAsync(async () => await LeasesAsync(host, handle.Id) == 0, Timeout, "the lease is released when the run is over");

        // 12 reports over ~1.8 s, written at most every 400 ms: 1 at once + about 5, and the last one when the run ended.
        seen.Count.ShouldBeGreaterThanOrEqualTo(2, "progress was readable while the task ran");
        seen.Count.ShouldBeLessThanOrEqualTo(8, "progress writes are bounded by ProgressInterval, not one per report");
        seen.Select(p => p.Done).ShouldBe(seen.Select(p => p.Done).OrderBy(d => d), "progress only moves forward");
        var last = info.Progress.ShouldNotBeNull();
        last.Done.ShouldBe(12);
        last.Total.ShouldBe(12);
        last.Fraction.ShouldBe(1.0);
        last.Message.ShouldBe("step 12 of 12");
        last.ReportedAt.ShouldNotBeNull();
        (await handle.WaitAsync(Timeout)).ShouldBe(0); // it started from no checkpoint
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_checkpoint_saved_in_the_task_transaction_commits_and_rolls_back_with_the_work(string name)
    {
        await using var host = await StateHost.StartAsync(name);

        var failed = await host.Tasks.CheckpointInTransaction.ApplyAsync(Key(), 5, true, host.Options());
        (await Should.ThrowAsync<TaskNotSucceededException>(() => failed.WaitAsync(Timeout))).Info!.State.ShouldBe(TaskState.Failed);
        (await CheckpointAsync(host, failed.Id)).ShouldBeNull("the checkpoint was rolled back with the task's transaction");

        var committed = await host.Tasks.CheckpointInTransaction.ApplyAsync(Key(), 7, false, host.Options());
        (await committed.WaitAsync(Timeout)).ShouldBe(0);
        (await CheckpointAsync(host, committed.Id)).ShouldBe("7");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_run_whose_lease_is_taken_over_is_cancelled_and_the_reaper_runs_the_task_again_from_its_checkpoint(string name)
    {
        await using var host = await StateHost.StartAsync(name, configure: o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(1.5);
            o.LeaseReapInterval = TimeSpan.FromMilliseconds(200);
            o.ProgressInterval = TimeSpan.Zero;
        });
        var key = Key();
        var handle = await host.Tasks.LongSteps.ApplyAsync(key, 30, 100, host.Options());
        await Eventually.UntilAsync(async () => (await handle.GetStateAsync())?.Progress?.Done >= 5, Timeout, "five steps are done");

        // What a worker that lost its database for a lease duration looks like: another holder's (expired) lease.
        await using (var connection = await host.Database.OpenAsync())
        {
            var expired = name == "sqlserver" ? "DATEADD(hour, -1, expires_at)" : "expires_at - interval '1 hour'";
            (await connection.ExecuteAsync(
                $"UPDATE {host.Schema}.task_lease SET holder = 'vanished-worker', token = token + 100, expires_at = {expired} WHERE task_id = @Id",
                new { Id = handle.Id })).ShouldBe(1);
        }

        var info = await ((TaskHandle)handle).WaitAsync(Timeout);
        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(2);
        var runs = StateTasks.LongRuns[key].ToArray();
        runs.Length.ShouldBe(2);
        runs[0].ShouldBe((1, 0));
        runs[1].Attempt.ShouldBe(2);
        runs[1].From.ShouldBeGreaterThanOrEqualTo(5, "the second run resumed from the first run's checkpoint");
        (await handle.GetResultAsync()).ShouldBe(runs[1].From);
        await Eventually.UntilAsync(async () => await LeasesAsync(host, handle.Id) == 0, Timeout, "the second run's lease is released after its final state");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Cancelling_a_running_long_task_through_its_handle_reaches_its_token_on_another_process(string name)
    {
        await using var worker = await StateHost.StartAsync(name, configure: o => o.RevokePollInterval = TimeSpan.FromSeconds(1));
        await using var other = await StateHost.StartAsync(name, worker: false, schema: worker.Schema, queue: worker.Queue);
        var key = Key();
        var handle = await other.Tasks.LongSteps.ApplyAsync(key, 1000, 100, worker.Options());
        await Eventually.UntilAsync(async () => (await handle.GetStateAsync())?.Progress?.Done >= 1, Timeout, "the task is running");

        var watch = Stopwatch.StartNew();
        (await handle.CancelAsync()).ShouldBeTrue();
        var info = await other.Store.WaitAsync(handle.Id, Timeout);
        await Eventually.UntilAsync(async () => await LeasesAsync(worker, handle.Id) == 0, Timeout, "the lease is released");
        var elapsed = watch.Elapsed;

        info.State.ShouldBe(TaskState.Revoked);
        var steps = (await handle.GetStateAsync())!.Progress!.Done;
        await Task.Delay(500);
        (await handle.GetStateAsync())!.Progress!.Done.ShouldBe(steps, "the task stopped");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3), "the revoke poll (1 s) reaches the running task's token");
        (await handle.CancelAsync()).ShouldBeFalse("a final task cannot be cancelled");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_message_that_names_a_task_but_cannot_be_decoded_is_recorded_as_dead_lettered(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var id = Guid.NewGuid().ToString();
        var factory = new ConnectionFactory { Uri = TestEnvironment.BrokerUri };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                ContentEncoding = "utf-8",
                Headers = new Dictionary<string, object?> { ["id"] = id, ["task"] = "state_tests.add", ["lang"] = "py" },
            };
            await channel.BasicPublishAsync("", host.Queue, mandatory: true, properties, Encoding.UTF8.GetBytes("[1, 2"));
        }

        var info = await host.Store.WaitAsync(id, Timeout);
        info.State.ShouldBe(TaskState.DeadLettered);
        info.TaskName.ShouldBe("state_tests.add");
        info.Error.ShouldNotBeNull().ShouldContain("malformed-body");
        await Should.ThrowAsync<TaskNotSucceededException>(() => host.Store.GetResultAsync<int>(id));
    }

    private static async Task<int> LeasesAsync(StateHost host, string taskId)
    {
        await using var connection = await host.Database.OpenAsync();
        return await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.task_lease WHERE task_id = @taskId", new { taskId });
    }

    private static async Task<string?> CheckpointAsync(StateHost host, string taskId)
    {
        await using var connection = await host.Database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<string?>($"SELECT checkpoint_json FROM {host.Schema}.task_state WHERE task_id = @taskId", new { taskId });
    }
}
