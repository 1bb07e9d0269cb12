using System;
using System.Threading.Channels;
using System.Threading.Tasks;
using Npgsql;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The state reader's and writer's loops keep their connection open from batch to batch (no pool return and session
/// reset per batch: docs/benchmarks.md measures the resets going from one per batch to none). A connection that the
/// server kills under them is replaced: no read or write is lost, and the next tasks run and are recorded. Real
/// PostgreSQL, broker and worker.
/// </summary>
public sealed class HeldConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_connection_the_server_kills_under_the_loops_is_replaced_and_nothing_is_lost()
    {
        var application = "tf-held-" + Guid.NewGuid().ToString("N")[..10];
        await using var source = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString + ";Application Name=" + application);
        await using var host = await StateHost.StartAsync("postgresql", configure: o => o.UsePostgreSql(source));

        // Busy: tasks run; their reads and writes go through the loops' connections.
        for (var i = 0; i < 5; i++)
        {
            (await (await host.Tasks.Add.ApplyAsync(i, 1, Guid.NewGuid().ToString("N"), host.Options())).WaitAsync(Timeout)).ShouldBe(i + 1);
        }

        // The server kills every connection of this store (held by the loops or idle in the pool).
        var killed = await KillAsync(application);
        killed.ShouldBeGreaterThan(0);

        // The next tasks are read and recorded all the same: a failed batch drops its connection and the next one (or the
        // writer's retry) opens another. Checked through a connection of our own: the store's pool still holds killed
        // idle connections, which a waiter's poll would meet first (Npgsql does not test a pooled connection on open).
        var ids = new string[5];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (await host.Tasks.Add.ApplyAsync(10 + i, 1, Guid.NewGuid().ToString("N"), host.Options())).Id;
        }

        var deadline = DateTime.UtcNow + Timeout;
        int succeeded;
        while ((succeeded = await CountSucceededAsync(host.Schema, ids)) < ids.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        succeeded.ShouldBe(ids.Length, "every task after the kill ran and its final state was committed");
    }

    [Fact]
    public async Task A_loop_keeps_its_connection_while_work_is_queued_and_gives_it_back_after_the_idle_time()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false);
        await using var held = new HeldConnection(host.Store.Database.States.Connections);
        var work = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

        var connection = await held.GetAsync(default);
        work.Writer.TryWrite(1);
        (await held.WaitToReadAsync(work.Reader)).ShouldBeTrue();
        held.IsHeld.ShouldBeTrue("work was queued: no wait, the connection stays");
        (await held.GetAsync(default)).ShouldBeSameAs(connection);
        work.Reader.TryRead(out _).ShouldBeTrue();

        var waiting = held.WaitToReadAsync(work.Reader).AsTask();
        await Task.Delay(HeldConnection.IdleClose / 2);
        held.IsHeld.ShouldBeTrue("not idle long enough yet");
        await Task.Delay(HeldConnection.IdleClose);
        held.IsHeld.ShouldBeFalse("idle past IdleClose: given back");
        waiting.IsCompleted.ShouldBeFalse("the loop still waits for work");

        work.Writer.TryWrite(2);
        (await waiting.WaitAsync(Timeout)).ShouldBeTrue();
        (await held.GetAsync(default)).ShouldNotBeSameAs(connection);
        work.Reader.TryRead(out _).ShouldBeTrue();
        work.Writer.Complete();
        (await held.WaitToReadAsync(work.Reader).AsTask().WaitAsync(Timeout)).ShouldBeFalse("a completed channel ends the loop");
    }

    private static async Task<int> CountSucceededAsync(string schema, string[] ids)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*)::int FROM {schema}.task_state WHERE task_id = ANY(@ids) AND state = @s", connection);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("s", (int)TaskState.Succeeded);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int> KillAsync(string application)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE application_name = @a", connection);
        command.Parameters.AddWithValue("a", application);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
