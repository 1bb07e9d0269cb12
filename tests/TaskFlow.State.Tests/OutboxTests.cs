using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.State.Worker;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>The transactional outbox: commit publishes, rollback does not; several relays never double-publish; failures are retried and visible.</summary>
public sealed class OutboxTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static string Key() => Guid.NewGuid().ToString("N");

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Tasks_enqueued_in_a_rolled_back_transaction_are_never_published_and_committed_ones_are(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        await host.Database.CreateEffectsTableAsync(host.Schema);
        var rolledBackKey = Key();
        var committedKey = Key();

        await using var connection = await host.Database.OpenAsync();
        TaskHandle<int> rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync($"INSERT INTO {host.Schema}.effects (effect_id, task_id) VALUES ('user-1', 'x')", transaction: transaction);
            var tasks = new StateTasks.Client(host.Store.Outbox(transaction));
            rolledBack = await tasks.Add.ApplyAsync(1, 2, rolledBackKey, host.Options());
            (await host.Store.GetOutboxStatusAsync()).Pending.ShouldBe(0); // not visible before the commit
            await transaction.RollbackAsync();
        }

        TaskHandle<int> first, second;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync($"INSERT INTO {host.Schema}.effects (effect_id, task_id) VALUES ('user-2', 'x')", transaction: transaction);
            var tasks = new StateTasks.Client(host.Store.Outbox(transaction));
            first = await tasks.Add.ApplyAsync(3, 4, committedKey, host.Options());
            second = await tasks.Add.ApplyAsync(5, 6, committedKey, host.Options());
            await transaction.CommitAsync();
        }

        (await first.WaitAsync(Timeout)).ShouldBe(7);
        (await second.WaitAsync(Timeout)).ShouldBe(11);
        StateTasks.Runs[committedKey].ShouldBe(2);
        (await rolledBack.GetStateAsync()).ShouldBeNull();
        StateTasks.Runs.ContainsKey(rolledBackKey).ShouldBeFalse();
        (await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.effects")).ShouldBe(1);
        await Eventually.UntilAsync(async () => (await host.Store.GetOutboxStatusAsync()).Pending == 0, Timeout, "the outbox is empty");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Two_relays_publish_every_committed_message_exactly_once_and_in_order_per_transaction(string name)
    {
        // Two processes' worth of relays (two hosts, two publishers) on one outbox; no worker: the test reads the queue.
        await using var one = await StateHost.StartAsync(name, worker: false, hostedServices: false, configure: o => o.OutboxBatchSize = 7);
        await using var two = await StateHost.StartAsync(name, worker: false, hostedServices: false, schema: one.Schema, queue: one.Queue, configure: o => o.OutboxBatchSize = 7);
        const int Transactions = 60;
        const int PerTransaction = 3;
        await using (var connection = await one.Database.OpenAsync())
        {
            for (var t = 0; t < Transactions; t++)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                var tasks = new StateTasks.Client(one.Store.Outbox(transaction));
                for (var m = 0; m < PerTransaction; m++)
                {
                    await tasks.Add.ApplyAsync(t, m, "relay", one.Options(taskId: $"tx{t:D3}-m{m}"));
                }

                await transaction.CommitAsync();
            }
        }

        (await one.Store.GetOutboxStatusAsync()).Pending.ShouldBe(Transactions);
        var relays = new[] { one.NewRelay(), two.NewRelay(), one.NewRelay(), two.NewRelay() };
        var handled = await Task.WhenAll(relays.Select(relay => Task.Run(async () =>
        {
            var count = 0;
            int n;
            while ((n = await relay.RelayOnceAsync(default)) > 0)
            {
                count += n;
            }

            return count;
        })));

        handled.Sum().ShouldBe(Transactions);
        handled.Count(h => h > 0).ShouldBeGreaterThan(1); // the relays shared the work
        (await one.Store.GetOutboxStatusAsync()).Pending.ShouldBe(0);

        var ids = new List<string>();
        await using (var broker = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync())
        await using (var channel = await broker.CreateChannelAsync())
        {
            BasicGetResult? message;
            while ((message = await channel.BasicGetAsync(one.Queue, autoAck: true)) is not null)
            {
                ids.Add(message.BasicProperties.CorrelationId!);
            }
        }

        ids.Count.ShouldBe(Transactions * PerTransaction);
        ids.Distinct().Count().ShouldBe(ids.Count);
        for (var t = 0; t < Transactions; t++)
        {
            var positions = Enumerable.Range(0, PerTransaction).Select(m => ids.IndexOf($"tx{t:D3}-m{m}")).ToList();
            positions.ShouldBe(positions.Order().ToList(), $"transaction {t} out of order");
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_publish_that_fails_is_kept_retried_with_backoff_and_visible(string name)
    {
        // Topology not declared and the queue does not exist: the publish is returned unroutable.
        await using var host = await StateHost.StartAsync(name, worker: false, hostedServices: false, rabbit: f => f.DeclareTopology = false);
        await using (var broker = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync())
        await using (var channel = await broker.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync("taskflow", ExchangeType.Direct, durable: true, autoDelete: false);
        }

        await using (var connection = await host.Database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await new StateTasks.Client(host.Store.Outbox(transaction)).Add.ApplyAsync(1, 1, "x", host.Options(taskId: "stuck-1"));
            await transaction.CommitAsync();
        }

        var relay = host.NewRelay();
        (await relay.RelayOnceAsync(default)).ShouldBe(1);

        var status = await host.Store.GetOutboxStatusAsync();
        status.Pending.ShouldBe(1);
        status.Failing.ShouldBe(1);
        status.Failures[0].Attempts.ShouldBe(1);
        status.Failures[0].LastError!.ShouldContain("Unroutable", Case.Insensitive);
        status.Failures[0].NextAttemptAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow);
        (await relay.RelayOnceAsync(default)).ShouldBe(0); // backing off

        // The operator fixes the topology; the row is due again: it goes out.
        await using (var broker = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync())
        await using (var channel = await broker.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(host.Queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(host.Queue, "taskflow", host.Queue);
            await using (var connection = await host.Database.OpenAsync())
            {
                await connection.ExecuteAsync($"UPDATE {host.Schema}.outbox_transaction SET next_attempt_at = @Now", new { Now = DateTimeOffset.UtcNow.AddSeconds(-1) });
            }

            (await relay.RelayOnceAsync(default)).ShouldBe(1);
            (await host.Store.GetOutboxStatusAsync()).Pending.ShouldBe(0);
            var message = await channel.BasicGetAsync(host.Queue, autoAck: true);
            message.ShouldNotBeNull();
            message.BasicProperties.CorrelationId.ShouldBe("stuck-1");
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_batch_is_one_insert_in_the_callers_transaction_relayed_after_the_commit_and_never_after_a_rollback(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var committedKey = Key();
        var rolledBackKey = Key();
        var outboxInserts = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if ((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) is string text
                    && text.TrimStart().StartsWith($"INSERT INTO {host.Schema}.outbox_message", StringComparison.Ordinal))
                {
                    outboxInserts.Enqueue(text);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await using var connection = await host.Database.OpenAsync();
        IReadOnlyList<TaskHandle<int>> rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var tasks = new StateTasks.Client(host.Store.Outbox(transaction));
            rolledBack = await tasks.Add.ApplyManyAsync(Enumerable.Range(0, 100).Select(i => (i, 1, rolledBackKey)), host.Options());
            await transaction.RollbackAsync();
        }

        IReadOnlyList<TaskHandle<int>> committed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var tasks = new StateTasks.Client(host.Store.Outbox(transaction));
            var single = await tasks.Add.ApplyAsync(-1, 1, committedKey, host.Options());
            committed = await tasks.Add.ApplyManyAsync(Enumerable.Range(0, 500).Select(i => (i, i, committedKey)).ToList(), host.Options());
            committed.Count.ShouldBe(500);
            var ids = committed.Select(h => h.Id).ToArray();
            var inIds = host.Database.Provider == StateStoreProvider.PostgreSql ? "= ANY(@Ids)" : "IN @Ids";
            (await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.outbox_message WHERE task_id {inIds}", new { Ids = ids }, transaction)).ShouldBe(500);
            (await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.task_state WHERE task_id {inIds} AND state = 0", new { Ids = ids }, transaction)).ShouldBe(500, "pending records in the same transaction");
            (await host.Store.GetOutboxStatusAsync()).Pending.ShouldBe(0); // not visible before the commit
            await transaction.CommitAsync();
        }

        for (var i = 0; i < committed.Count; i++)
        {
            (await committed[i].WaitAsync(Timeout)).ShouldBe(2 * i, $"handle {i} is the task of item {i}");
        }

        await Eventually.UntilAsync(() => Task.FromResult(StateTasks.Runs.GetValueOrDefault(committedKey) == 501), Timeout, "every committed task ran");
        StateTasks.Runs[committedKey].ShouldBe(501, "once each");
        StateTasks.Runs.ContainsKey(rolledBackKey).ShouldBeFalse();
        (await rolledBack[0].GetStateAsync()).ShouldBeNull();
        await Eventually.UntilAsync(async () => (await host.Store.GetOutboxStatusAsync()).Pending == 0, Timeout, "the outbox is empty");
        if (host.Database.Provider == StateStoreProvider.PostgreSql)
        {
            // Statements as PostgreSQL received them (Npgsql's activities): the single task's insert, then one insert per batch.
            outboxInserts.Count.ShouldBe(3, string.Join(Environment.NewLine, outboxInserts.Select(t => t[..Math.Min(200, t.Length)])));
            outboxInserts.Count(t => t.Contains("@TaskId_499", StringComparison.Ordinal) || t.Contains("$3501", StringComparison.Ordinal)).ShouldBe(1, "the 500 tasks went in one statement");
        }
    }
}
