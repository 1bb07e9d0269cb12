using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.State.Tests;

/// <summary>
/// Unique tasks (<c>[Task(Unique = "job:{key}")]</c>) against the real broker and database: each scope, the outbox
/// (a rolled-back claim takes no key; a claim waits for a concurrent uncommitted one), takeover of a stale key by exactly
/// one of many concurrent enqueues, the start-up check without a store, and the race of 4 processes x 25 enqueues.
/// </summary>
public sealed class UniqueTaskTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public UniqueTaskTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static string Key() => Guid.NewGuid().ToString("N");

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task While_pending_or_running_a_second_enqueue_returns_the_first_task_until_it_is_final(string name)
    {
        await using var client = await StateHost.StartAsync(name, worker: false);
        var key = Key();
        var tasks = client.Services.GetRequiredService<UniqueTasks.Client>();

        var first = await tasks.WhileRunning.ApplyAsync(key, 1, client.Options());
        var pending = await tasks.WhileRunning.ApplyAsync(key, 2, client.Options());
        first.Deduplicated.ShouldBeFalse();
        pending.Deduplicated.ShouldBeTrue();
        pending.Id.ShouldBe(first.Id);
        (await QueueLengthAsync(client.Queue)).ShouldBe(1u, "the duplicate sent nothing");

        await using var worker = await StateHost.StartAsync(name, schema: client.Schema, queue: client.Queue);
        await Eventually.UntilAsync(async () => (await first.GetStateAsync())?.State == TaskState.Started, Timeout, "the first task runs");
        var running = await tasks.WhileRunning.ApplyAsync(key, 3, client.Options());
        running.Deduplicated.ShouldBeTrue("the first task is running");
        running.Id.ShouldBe(first.Id);

        UniqueTasks.Gate(key).TrySetResult();
        (await first.WaitAsync(Timeout)).ShouldBe(key + "#1");
        var after = await tasks.WhileRunning.ApplyAsync(key, 4, client.Options());
        after.Deduplicated.ShouldBeFalse("the first task is final: its key was taken over");
        after.Id.ShouldNotBe(first.Id);
        (await after.WaitAsync(Timeout)).ShouldBe(key + "#4");
        StateTasks.Runs[key].ShouldBe(2);
        (await KeyRowsAsync(client, "state_tests.unique.while_running")).ShouldBe([after.Id]);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task While_pending_a_new_task_is_sent_once_the_first_one_started(string name)
    {
        await using var client = await StateHost.StartAsync(name, worker: false);
        var key = Key();
        var tasks = client.Services.GetRequiredService<UniqueTasks.Client>();

        var first = await tasks.WhilePending.ApplyAsync(key, 1, client.Options());
        var duplicate = await tasks.WhilePending.ApplyAsync(key, 2, client.Options());
        duplicate.Deduplicated.ShouldBeTrue();
        duplicate.Id.ShouldBe(first.Id);

        await using var worker = await StateHost.StartAsync(name, schema: client.Schema, queue: client.Queue);
        await Eventually.UntilAsync(async () => (await first.GetStateAsync())?.State == TaskState.Started, Timeout, "the first task runs");
        var second = await tasks.WhilePending.ApplyAsync(key, 3, client.Options());
        second.Deduplicated.ShouldBeFalse("the first task started: the key no longer holds");
        second.Id.ShouldNotBe(first.Id);
        var third = await tasks.WhilePending.ApplyAsync(key, 4, client.Options());
        if (!third.Deduplicated)
        {
            // The second one may already have started on the worker's free slot; then the key went to this one.
            (await second.GetStateAsync())!.State.ShouldNotBe(TaskState.Pending);
        }

        UniqueTasks.Gate(key).TrySetResult();
        (await first.WaitAsync(Timeout)).ShouldBe(key + "#1");
        (await second.WaitAsync(Timeout)).ShouldBe(key + "#3");
        StateTasks.Runs[key].ShouldBe(third.Deduplicated ? 2 : 3);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task For_a_period_the_key_holds_after_the_task_ended_and_is_free_once_the_period_is_over(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var key = Key();
        var tasks = host.Services.GetRequiredService<UniqueTasks.Client>();
        UniqueTasks.Gate(key).TrySetResult();

        var sentAt = DateTimeOffset.UtcNow;
        var first = await tasks.ForPeriod.ApplyAsync(key, 1, host.Options());
        (await first.WaitAsync(Timeout)).ShouldBe(key + "#1");
        var within = await tasks.ForPeriod.ApplyAsync(key, 2, host.Options());
        var elapsed = DateTimeOffset.UtcNow - sentAt;
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8), "the check needs the first task done within its 8 s period");
        within.Deduplicated.ShouldBeTrue("the period is not over, although the task succeeded");
        within.Id.ShouldBe(first.Id);

        await Task.Delay(TimeSpan.FromSeconds(8) - elapsed + TimeSpan.FromSeconds(0.5));
        var after = await tasks.ForPeriod.ApplyAsync(key, 3, host.Options());
        after.Deduplicated.ShouldBeFalse("the period is over");
        (await after.WaitAsync(Timeout)).ShouldBe(key + "#3");
        StateTasks.Runs[key].ShouldBe(2);

        // A key of its own per call wins over the template, and a per-call period over the declared one.
        var other = await tasks.ForPeriod.ApplyAsync(key, 4, host.Options() is var o ? new SendOptions(o) { UniqueKey = "explicit:" + key, UniqueFor = TimeSpan.FromSeconds(1) } : null);
        other.Deduplicated.ShouldBeFalse();
        (await other.WaitAsync(Timeout)).ShouldBe(key + "#4");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Through_the_outbox_a_rolled_back_claim_takes_no_key_and_a_concurrent_claim_waits_for_the_commit(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var key = Key();
        UniqueTasks.Gate(key).TrySetResult();
        var tasks = host.Services.GetRequiredService<UniqueTasks.Client>();
        await using var connection = await host.Database.OpenAsync();

        TaskHandle<string> rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            rolledBack = await new UniqueTasks.Client(host.Store.Outbox(transaction)).WhileRunning.ApplyAsync(key, 1, host.Options());
            rolledBack.Deduplicated.ShouldBeFalse();
            await transaction.RollbackAsync();
        }

        (await KeyRowsAsync(host, "state_tests.unique.while_running")).ShouldBeEmpty("the claim rolled back with the transaction");

        TaskHandle<string> committed;
        Task<TaskHandle<string>> concurrent;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            committed = await new UniqueTasks.Client(host.Store.Outbox(transaction)).WhileRunning.ApplyAsync(key, 2, host.Options());
            committed.Deduplicated.ShouldBeFalse("the rolled-back claim left the key free");
            committed.Id.ShouldNotBe(rolledBack.Id);

            // An enqueue outside the transaction waits on the uncommitted key, then finds it held.
            concurrent = Task.Run(async () => await tasks.WhileRunning.ApplyAsync(key, 3, host.Options()));
            await Task.Delay(TimeSpan.FromSeconds(1));
            concurrent.IsCompleted.ShouldBeFalse("it waits for the transaction that holds the key");
            await transaction.CommitAsync();
        }

        var duplicate = await concurrent.WaitAsync(Timeout);
        duplicate.Deduplicated.ShouldBeTrue();
        duplicate.Id.ShouldBe(committed.Id);
        (await committed.WaitAsync(Timeout)).ShouldBe(key + "#2");
        StateTasks.Runs[key].ShouldBe(1);
        (await rolledBack.GetStateAsync()).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_stale_key_is_taken_over_by_exactly_one_of_many_concurrent_enqueues(string name)
    {
        // No worker: the task that takes the key over stays pending, so no later enqueue may take it again.
        await using var host = await StateHost.StartAsync(name, worker: false);
        var key = Key();
        var tasks = host.Services.GetRequiredService<UniqueTasks.Client>();
        var first = await tasks.WhileRunning.ApplyAsync(key, 0, host.Options());
        (await first.CancelAsync()).ShouldBeTrue(); // revoked: final, so its key no longer holds

        var handles = await Task.WhenAll(Enumerable.Range(1, 40).Select(i => Task.Run(async () => await tasks.WhileRunning.ApplyAsync(key, i, host.Options()))));

        var sent = handles.Where(h => !h.Deduplicated).ToList();
        sent.Count.ShouldBe(1);
        handles.ShouldAllBe(h => h.Id == sent[0].Id);
        sent[0].Id.ShouldNotBe(first.Id);
        (await QueueLengthAsync(host.Queue)).ShouldBe(2u, "the revoked task's message and the one that took the key over");
        (await KeyRowsAsync(host, "state_tests.unique.while_running")).ShouldBe([sent[0].Id]);
    }

    [Fact]
    public async Task Without_a_state_store_a_unique_task_fails_at_start_up_and_a_unique_key_at_send()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTaskFlow().UseRabbitMq(o => o.ConnectionUri = TestEnvironment.BrokerUri).AddTaskFlowStateWorkerTasks();
        using var host = builder.Build();
        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());
        error.Message.ShouldContain("Task state_tests.unique.while_running is declared [Task(Unique = \"job:{key}\")]");
        error.Message.ShouldContain("add .AddStateStore(...)");

        var eager = new ServiceCollection();
        eager.AddLogging();
        eager.AddTaskFlow(o => o.Eager = true).AddTaskFlowStateWorkerTasks();
        await using var provider = eager.BuildServiceProvider();
        var tasks = provider.GetRequiredService<StateTasks.Client>();
        var send = await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Add.ApplyAsync(1, 2, Key(), new SendOptions { UniqueKey = "k" }));
        send.Message.ShouldContain("enforced in the state store: add .AddStateStore(...)");
        await Should.ThrowAsync<ArgumentException>(async () => await tasks.Add.ApplyAsync(1, 2, Key(), new SendOptions { UniqueScope = UniqueScope.ForPeriod }));
    }

    [Fact]
    public async Task One_hundred_concurrent_enqueues_of_one_key_from_four_processes_send_exactly_one_task()
    {
        const int processes = 4;
        const int perProcess = 25;
        await using var host = await StateHost.StartAsync("postgresql", worker: false);
        var key = Key();
        var go = Path.Combine(Path.GetTempPath(), "tf-unique-race-" + key);
        var environment = new Dictionary<string, string>
        {
            ["TASKFLOW_STATE_PG"] = TestEnvironment.PostgresConnectionString,
            ["TASKFLOW_STATE_SCHEMA"] = host.Schema,
            ["TASKFLOW_STATE_QUEUE"] = host.Queue,
            ["TASKFLOW_TEST_AMQP"] = TestEnvironment.BrokerUri.ToString(),
        };
        var clients = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < processes; i++)
            {
                clients.Add(ChildProcess.Start(
                    Dotnet.StartInfo([Dotnet.AppNextToTests("TaskFlow.State.Worker.dll"), "unique-race", perProcess.ToString(System.Globalization.CultureInfo.InvariantCulture), key, go], AppContext.BaseDirectory, environment),
                    $"unique-race client {i}"));
            }

            foreach (var client in clients)
            {
                await client.WaitForLineAsync("RACE-READY", TimeSpan.FromSeconds(60));
            }

            await File.WriteAllTextAsync(go, "go");
            foreach (var client in clients)
            {
                await client.WaitForLineAsync("RACE-DONE", TimeSpan.FromSeconds(60));
            }

            var results = clients.SelectMany(c => c.Lines.Where(l => l.StartsWith("RACE ", StringComparison.Ordinal)).Select(l => l.Split(' '))).ToList();
            results.Count.ShouldBe(processes * perProcess);
            var ids = results.Select(r => r[1]).Distinct().ToList();
            var sent = results.Count(r => r[2] == "False");
            var messages = await QueueLengthAsync(host.Queue);
            var keyRows = await KeyRowsAsync(host, "state_tests.unique.race");
            await using var connection = await host.Database.OpenAsync();
            var records = await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.task_state WHERE task_name = 'state_tests.unique.race'");
            _output.WriteLine($"{results.Count} enqueues from {processes} processes: {ids.Count} task id(s), {sent} sent, {results.Count - sent} deduplicated; {messages} message(s) on the queue; {keyRows.Count} unique_key row(s); {records} task_state record(s)");

            ids.Count.ShouldBe(1, "every caller got the same task id");
            sent.ShouldBe(1);
            messages.ShouldBe(1u);
            keyRows.ShouldBe([ids[0]]);
            records.ShouldBe(1);
        }
        finally
        {
            File.Delete(go);
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task<uint> QueueLengthAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    private static async Task<List<string>> KeyRowsAsync(StateHost host, string taskName)
    {
        await using var connection = await host.Database.OpenAsync();
        return (await connection.QueryAsync<string>($"SELECT task_id FROM {host.Schema}.unique_key WHERE task_name = @taskName", new { taskName })).ToList();
    }
}
