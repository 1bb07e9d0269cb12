using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.Protocol;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// Pausing a queue (schema version 8) against real workers, the real broker and the real database; deleting task records;
/// the <c>[Sensitive]</c> header travelling with a message through a worker to the dead-letter queue and the outbox.
/// </summary>
public sealed class QueuePauseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Two_workers_stop_consuming_a_paused_queue_and_run_everything_once_after_resume(string name)
    {
        await using var a = await StateHost.StartAsync(name, configure: o => o.WorkerHeartbeatInterval = TimeSpan.FromMilliseconds(300), workerName: "pause-a-" + Guid.NewGuid().ToString("N")[..6]);
        await using var b = await StateHost.StartAsync(name, schema: a.Schema, queue: a.Queue, configure: o => o.WorkerHeartbeatInterval = TimeSpan.FromMilliseconds(300), workerName: "pause-b-" + Guid.NewGuid().ToString("N")[..6]);
        var run = Guid.NewGuid().ToString("N")[..8];

        // A task in flight when the queue is paused finishes (and is acked).
        var inFlightKey = "inflight-" + run;
        var inFlight = await a.Tasks.Sleep.ApplyAsync(inFlightKey, 3000, a.Options());
        await Eventually.UntilAsync(() => Task.FromResult(StateTasks.Runs.ContainsKey(inFlightKey)), Timeout, "the long task started");

        (await a.Store.PauseQueueAsync(a.Queue, "test", "pause test")).ShouldBeTrue();
        (await a.Store.PauseQueueAsync(a.Queue, "someone else")).ShouldBeFalse("paused already: the first pause is kept");
        var pause = (await a.Store.GetPausedQueuesAsync()).Single(p => p.Queue == a.Queue);
        pause.PausedBy.ShouldBe("test");
        pause.Reason.ShouldBe("pause test");

        var statuses = new[] { a, b }.Select(h => h.Services.GetRequiredService<TaskFlowWorkerStatus>()).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(statuses.All(s => s.PausedQueues.Contains(a.Queue))), Timeout, "both workers paused the queue");
        (await a.Store.WaitAsync(inFlight.Id, Timeout)).State.ShouldBe(TaskState.Succeeded, "the task in flight finished");

        // Health stays healthy: a paused queue is intended.
        foreach (var status in statuses)
        {
            var health = await new TaskFlowWorkerHealthCheck(status).CheckHealthAsync(new HealthCheckContext());
            health.Status.ShouldBe(HealthStatus.Healthy, health.Description);
            health.Data[a.Queue].ShouldBe("paused");
        }

        // Sent while paused: they stay in the queue and none runs.
        var keys = Enumerable.Range(0, 20).Select(i => $"paused-{run}-{i}").ToList();
        var handles = new List<TaskHandle<int>>();
        foreach (var key in keys)
        {
            handles.Add(await b.Tasks.Add.ApplyAsync(1, 2, key, b.Options()));
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        keys.Where(StateTasks.Runs.ContainsKey).ShouldBeEmpty("nothing runs on a paused queue");
        (await ReadyAsync(a.Queue)).ShouldBe(20u, "the messages stay in the queue");

        // The heartbeats show it.
        await Eventually.UntilAsync(
            async () => (await a.Store.GetWorkersAsync()).Where(w => w.Queues.Contains(a.Queue) && w.Status == WorkerStatus.Running).Count(w => w.PausedQueues.Contains(a.Queue)) == 2,
            Timeout,
            "both workers' heartbeats list the queue as paused");

        (await a.Store.ResumeQueueAsync(a.Queue)).ShouldBeTrue();
        (await a.Store.ResumeQueueAsync(a.Queue)).ShouldBeFalse("not paused any more");
        foreach (var handle in handles)
        {
            (await handle.WaitAsync(Timeout)).ShouldBe(3);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        keys.Select(k => StateTasks.Runs.GetValueOrDefault(k)).ShouldAllBe(n => n == 1, "each ran exactly once");
        (await ReadyAsync(a.Queue)).ShouldBe(0u);
        await Eventually.UntilAsync(() => Task.FromResult(statuses.All(s => s.PausedQueues.Count == 0 && s.AllConsuming)), Timeout, "both workers consume again");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_worker_that_starts_while_its_queue_is_paused_does_not_consume_it(string name)
    {
        await using var store = await StateHost.StartAsync(name, worker: false);
        await store.Store.PauseQueueAsync(store.Queue, "test");
        var key = "start-paused-" + Guid.NewGuid().ToString("N")[..8];
        var handle = await store.Tasks.Add.ApplyAsync(2, 2, key, store.Options());

        await using var worker = await StateHost.StartAsync(name, schema: store.Schema, queue: store.Queue);
        worker.Services.GetRequiredService<TaskFlowWorkerStatus>().PausedQueues.ShouldContain(store.Queue);
        await Task.Delay(TimeSpan.FromSeconds(3));
        StateTasks.Runs.ContainsKey(key).ShouldBeFalse("the durable pause holds for a worker that starts later");

        await store.Store.ResumeQueueAsync(store.Queue);
        (await handle.WaitAsync(Timeout)).ShouldBe(4);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Deleting_records_deletes_final_tasks_only_and_counts_the_rest(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var run = Guid.NewGuid().ToString("N")[..8];
        var done = await host.Tasks.Add.ApplyAsync(1, 1, "del-done-" + run, host.Options());
        (await done.WaitAsync(Timeout)).ShouldBe(2);

        // Unfinished: a pending record (sent with an entity key to a queue nobody consumes).
        var parked = "tf-state-parked-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var pending = await host.Tasks.Add.ApplyAsync(1, 1, "del-pending-" + run, new SendOptions { Queue = parked, EntityKey = "note:" + run });
            (await host.Store.GetAsync(pending.Id))!.State.ShouldBe(TaskState.Pending);

            var result = await host.Store.DeleteTasksAsync([done.Id, pending.Id, "no-such-task-" + run, done.Id]);
            result.ShouldBe(new TaskDeleteResult(Deleted: 1, SkippedUnfinished: 1, NotFound: 1));
            (await host.Store.GetAsync(done.Id)).ShouldBeNull("the finished task's record is gone");
            (await host.Store.GetAsync(pending.Id))!.State.ShouldBe(TaskState.Pending, "an unfinished task's record is never deleted");
            await Should.ThrowAsync<ArgumentException>(() => host.Store.DeleteTasksAsync([pending.Id, ""]));
            (await host.Store.GetAsync(pending.Id)).ShouldNotBeNull();
        }
        finally
        {
            await StateHost.DeleteQueueAsync(parked);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_sensitive_header_travels_with_the_message_to_the_dead_letter_and_the_outbox(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var key = "sensitive-" + Guid.NewGuid().ToString("N")[..8];
        var handle = await host.Tasks.SensitiveFail.ApplyAsync(key, "hunter2-secret", 42, host.Options());
        (await host.Store.WaitAsync(handle.Id, Timeout)).State.ShouldBe(TaskState.Failed);

        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? letter = null;
        await Eventually.UntilAsync(async () => (letter = await channel.BasicGetAsync(host.Queue + ".dead", autoAck: false)) is not null, Timeout, "the dead letter arrived");
        var headers = letter!.BasicProperties.Headers!;
        Encoding.UTF8.GetString((byte[])headers[MessageHeaders.Sensitive]!).ShouldBe("1:password");
        var argsRepr = Encoding.UTF8.GetString((byte[])headers[MessageHeaders.ArgsRepr]!);
        argsRepr.ShouldBe($"[\"{key}\",\"***\",42]");
        var body = Encoding.UTF8.GetString(letter.Body.Span);
        body.ShouldContain("hunter2-secret", Case.Sensitive, "the message itself is intact (re-drive works)");
        SensitiveArguments.RedactBody(body, "1:password").ShouldNotContain("hunter2");
        SensitiveArguments.RedactBody(body, "1:password").ShouldContain(key, Case.Sensitive, "the other arguments still show");

        // Through the outbox the header is kept in the store with the message's headers.
        await using var db = await host.Database.OpenAsync();
        await using (var transaction = await db.BeginTransactionAsync())
        {
            await new StateTasks.Client(host.Store.Outbox(transaction)).SensitiveFail.ApplyAsync(key + "-outbox", "hunter3-secret", 1, new SendOptions { Queue = "tf-state-nobody-" + key, TaskId = key + "-outbox" });
            var stored = await db.ExecuteScalarAsync<string>($"SELECT headers FROM {host.Schema}.outbox_message WHERE task_id = @Id", new { Id = key + "-outbox" }, transaction) ?? "";
            stored.ShouldContain(MessageHeaders.Sensitive);
            stored.ShouldContain("1:password");
            stored.ShouldNotContain("hunter3");
            await transaction.RollbackAsync();
        }
    }

    private static async Task<uint> ReadyAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }
}
