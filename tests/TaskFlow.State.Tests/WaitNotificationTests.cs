using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Data.Common;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Npgsql;
using Shouldly;
using TaskFlow.PostgreSql;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// WaitAsync through PostgreSQL's LISTEN/NOTIFY (UsePostgreSqlNotifications): the mechanism (a notification, not a poll,
/// wakes the waiter), a lost notification and a killed listening connection, many waiters, and the payloads.
/// </summary>
public sealed class WaitNotificationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Longer than any wait here: a waiter that returns read its record because it was signalled, not by its safety poll.</summary>
    private static readonly TimeSpan NoPoll = TimeSpan.FromMinutes(1);

    private static string Key() => Guid.NewGuid().ToString("N");

    private static Task<StateHost> StartAsync(TimeSpan pollInterval, IStateNotificationReceiver? receiver = null) =>
        StateHost.StartAsync("postgresql", configure: o =>
        {
            o.UsePostgreSqlNotifications();
            if (receiver is not null)
            {
                o.Notifications = receiver;
            }

            o.WaitPollInterval = pollInterval;
        });

    [Fact]
    public async Task A_waiter_returns_through_the_notification_of_the_final_state_not_a_poll()
    {
        await using var host = await StartAsync(NoPoll);
        var waits = host.Store.Waits.ShouldNotBeNull();
        var handle = await host.Tasks.Sleep.ApplyAsync(Key(), 2500, host.Options());

        var watch = Stopwatch.StartNew();
        var info = await host.Store.WaitAsync(handle.Id, Timeout);

        info.State.ShouldBe(TaskState.Succeeded);
        // Registered, read once (still running), then woken: the only other read would have been a minute later.
        watch.Elapsed.ShouldBeLessThan(NoPoll);
        waits.Notified.ShouldBe(1);
        waits.Listens.ShouldBe(1);
    }

    [Fact]
    public async Task A_lost_notification_still_returns_through_the_safety_poll()
    {
        // The receiver drops every payload: as if each notification were lost.
        await using var host = await StartAsync(TimeSpan.FromSeconds(1), new DroppingReceiver());
        var waits = host.Store.Waits.ShouldNotBeNull();
        var handle = await host.Tasks.Sleep.ApplyAsync(Key(), 300, host.Options());

        var info = await host.Store.WaitAsync(handle.Id, Timeout);

        info.State.ShouldBe(TaskState.Succeeded);
        waits.Notified.ShouldBe(0);
    }

    [Fact]
    public async Task A_killed_listening_connection_is_reopened_and_its_waiters_still_return()
    {
        await using var host = await StartAsync(NoPoll);
        var waits = host.Store.Waits.ShouldNotBeNull();
        var handle = await host.Tasks.Sleep.ApplyAsync(Key(), 3000, host.Options());
        var wait = host.Store.WaitAsync(handle.Id, Timeout);
        await Eventually.UntilAsync(() => Task.FromResult(waits.IsListening), Timeout, "the store listens");

        await using (var admin = await host.Database.OpenAsync())
        {
            var killed = await admin.ExecuteScalarAsync<int>(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = @Listen AND pid <> pg_backend_pid()",
                new { Listen = $"LISTEN \"{waits.Channel}\"" });
            killed.ShouldBe(1);
        }

        var info = await wait;

        info.State.ShouldBe(TaskState.Succeeded);
        waits.Listens.ShouldBeGreaterThanOrEqualTo(2); // reopened (its waiters re-read then), well before the safety poll

        // And it listens again: the next waiter is notified.
        var next = await host.Tasks.Sleep.ApplyAsync(Key(), 1000, host.Options());
        var before = waits.Notified;
        (await host.Store.WaitAsync(next.Id, Timeout)).State.ShouldBe(TaskState.Succeeded);
        waits.Notified.ShouldBe(before + 1);
    }

    [Fact]
    public async Task Two_hundred_concurrent_waiters_all_return_on_one_listening_connection_and_share_their_reads()
    {
        // A data source of this test's own, named, so its server connections can be counted in pg_stat_activity.
        var (source, application) = PgConnections.NamedSource();
        await using var _ = source;
        await using var host = await StateHost.StartAsync("postgresql", configure: o =>
        {
            o.UsePostgreSql(source.CreateConnection);
            o.UsePostgreSqlNotifications();
            o.WaitPollInterval = NoPoll;
        });
        var waits = host.Store.Waits.ShouldNotBeNull();
        // Sent at once with a countdown: every waiter registers before any of them runs.
        var handles = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => host.Tasks.Add.ApplyAsync(i, 1, Key(), host.Options(countdown: TimeSpan.FromSeconds(5))).AsTask()));

        var (infos, connections) = await PgConnections.WhileCountingAsync(application, () => Task.WhenAll(handles.Select(h => host.Store.WaitAsync(h.Id, Timeout))));

        infos.ShouldAllBe(i => i.State == TaskState.Succeeded);
        infos.Select(i => i.TaskId).Order().ShouldBe(handles.Select(h => h.Id).Order());
        waits.Listens.ShouldBe(1);
        waits.Notified.ShouldBe(200); // each woken by its notification (the tasks ran after every waiter had registered)
        // Their reads (at registration, and after each notification) shared queries, one at a time on one connection.
        // Read each on a connection of its own, 200 waiters took the pool's 100 connections (with the test processes
        // beside them, PostgreSQL's last slots: 53300). The host's worker holds a few more (its writer, idempotency
        // reads, relay, heartbeat).
        var reads = host.Store.WaiterReads;
        Console.WriteLine($"[waiters] 200 waiters: {reads.Reads} reads in {reads.Queries} queries; at most {connections} connections of the host");
        connections.ShouldBeLessThanOrEqualTo(20); // 3-6 seen; 100 when each read took a connection
        reads.Reads.ShouldBeGreaterThanOrEqualTo(400);
        reads.Queries.ShouldBeLessThan(reads.Reads); // the notifications' reads come a few ids a query (68-174 queries seen)
    }

    [Fact]
    public async Task A_revoke_is_notified_too()
    {
        await using var host = await StartAsync(NoPoll);
        var waits = host.Store.Waits.ShouldNotBeNull();
        var handle = await host.Tasks.Block.ApplyAsync(Key(), host.Options());
        var wait = host.Store.WaitAsync(handle.Id, Timeout);
        await Eventually.UntilAsync(async () => (await handle.GetStateAsync())?.State == TaskState.Started, Timeout, "the task started");
        // The first wait starts the listening connection; a revoke notified before it listens would reach the waiter only
        // through the re-read every waiter does when listening starts (not counted as notified).
        await Eventually.UntilAsync(() => Task.FromResult(waits.IsListening), Timeout, "the store listens");

        (await host.Store.RevokeAsync(handle.Id)).ShouldBeTrue();

        (await wait).State.ShouldBe(TaskState.Revoked);
        waits.Notified.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task The_batch_upsert_notifies_each_final_state_once_in_payloads_under_the_limit()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false);
        var store = host.Store;
        var channel = store.Database.Dialect.Notifications.ShouldNotBeNull().Channel;
        var payloads = new ConcurrentQueue<string>();
        await using var listener = (NpgsqlConnection)await host.Database.OpenAsync();
        listener.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await listener.ExecuteAsync($"LISTEN \"{channel}\"");

        // 60 final ids of 250 characters (about 15 KB of JSON: several payloads), 5 started ones (not notified).
        var finals = Enumerable.Range(0, 60).Select(i => $"{i:D3}-" + new string('x', 246)).ToList();
        var started = Enumerable.Range(0, 5).Select(_ => Key()).ToList();
        var writes = finals.Select(id => store.NewWrite(id, "t", "q", TaskState.Succeeded))
            .Concat(started.Select(id => store.NewWrite(id, "t", "q", TaskState.Started)))
            .OrderBy(w => w.TaskId, StringComparer.Ordinal).ToList();
        await store.Database.States.WriteAsync(writes, CancellationToken.None);
        // The same final states again: not changed, so not notified again.
        await store.Database.States.WriteAsync(finals.Select(id => store.NewWrite(id, "t", "q", TaskState.Succeeded)).ToList(), CancellationToken.None);

        await Eventually.UntilAsync(async () =>
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
            return payloads.SelectMany(FinalStateNotifications.Parse).Count() >= finals.Count;
        }, Timeout, "the notifications arrived");
        while (await listener.WaitAsync(TimeSpan.FromMilliseconds(500)))
        {
            // any late (duplicate) notification
        }

        payloads.Count.ShouldBeGreaterThan(1);
        payloads.ShouldAllBe(p => Encoding.UTF8.GetByteCount(p) < 8000);
        payloads.SelectMany(FinalStateNotifications.Parse).Order(StringComparer.Ordinal).ShouldBe(finals);
    }

    [Fact]
    public void Payloads_split_under_the_limit_and_parse_back()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => $"{i:D4}\"\\\u00e9" + new string('\u00e9', 240)).ToList();

        var payloads = FinalStateNotifications.Payloads(ids);

        payloads.ShouldAllBe(p => Encoding.UTF8.GetByteCount(p) <= FinalStateNotifications.MaxPayloadBytes);
        payloads.SelectMany(FinalStateNotifications.Parse).ShouldBe(ids);
        FinalStateNotifications.Parse("not json").ShouldBeEmpty();
    }

    [Fact]
    public void Notifications_need_postgresql_and_notified_final_states()
    {
        var sqlServer = new TaskStateOptions().UseSqlServer(() => throw new InvalidOperationException()).UsePostgreSqlNotifications();
        sqlServer.Problems().ShouldContain(p => p.Contains("need PostgreSQL"));

        var silent = new TaskStateOptions().UsePostgreSql(() => throw new InvalidOperationException()).UsePostgreSqlNotifications();
        silent.NotifyFinalStates = false;
        silent.Problems().ShouldContain(p => p.Contains("NotifyFinalStates is off"));

        new TaskStateOptions().UsePostgreSql(() => throw new InvalidOperationException()).UsePostgreSqlNotifications().Problems().ShouldBeEmpty();
        SqlServerDialect.Create("tf_x").Notifications.ShouldBeNull();
        PostgreSqlDialect.Create("tf_x", notify: false).States.UpsertBatch.ShouldNotBeNull();
    }

    [Fact]
    public async Task Without_notifications_waiters_poll_as_before()
    {
        await using var host = await StateHost.StartAsync("postgresql");
        host.Store.Waits.ShouldBeNull();
        var handle = await host.Tasks.Sleep.ApplyAsync(Key(), 200, host.Options());

        (await host.Store.WaitAsync(handle.Id, Timeout)).State.ShouldBe(TaskState.Succeeded);
    }

    /// <summary>Receives as Npgsql's receiver does, but drops every payload.</summary>
    private sealed class DroppingReceiver : IStateNotificationReceiver
    {
        public Task ReceiveAsync(DbConnection connection, Action<string> received, CancellationToken cancellationToken) =>
            NpgsqlNotificationReceiver.Instance.ReceiveAsync(connection, _ => { }, cancellationToken);
    }
}
