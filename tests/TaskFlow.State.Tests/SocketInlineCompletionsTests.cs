using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// A worker process whose socket completions run on the socket engine's own thread
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>): nothing the store does at its start may read synchronously
/// there. Its search index's savepoint, released through Npgsql's own <c>ReleaseAsync</c> on a connection without TLS, did:
/// the start waited the command timeout (30 s) on the thread that delivers every socket's completions (measured: 33 s,
/// this test failing, before the store released it with a plain statement).
/// </summary>
public sealed class SocketInlineCompletionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_worker_with_inline_socket_completions_starts_its_store_and_runs_tasks_without_a_stall()
    {
        await using var client = await StateHost.StartAsync("postgresql", worker: false, configure: o => o.IndexArgumentsForSearch = true);
        await using (var connection = await client.Database.OpenAsync())
        {
            // The worker's start creates the index again, as a new deployment's first start does.
            await connection.ExecuteAsync($"DROP INDEX {client.Schema}.{ArgumentsSearchIndex.IndexName}");
        }

        var watch = Stopwatch.StartNew();
        await using var worker = await WorkerProcess.StartAsync(
            client.Schema,
            client.Queue,
            "normal",
            new Dictionary<string, string>
            {
                ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1",
                // Without TLS (a database on the same host or network): Npgsql reads the socket's stream itself.
                ["TASKFLOW_STATE_PG"] = TestEnvironment.PostgresConnectionString + ";SSL Mode=Disable",
                ["TASKFLOW_STATE_SEARCH_INDEX"] = "1", // the start that creates the index runs the savepoint this test is about
            });

        var handles = new List<TaskHandle<int>>();
        for (var i = 0; i < 20; i++)
        {
            handles.Add(await client.Tasks.Add.ApplyAsync(i, 1, Guid.NewGuid().ToString("N"), client.Options()));
        }

        for (var i = 0; i < handles.Count; i++)
        {
            (await handles[i].WaitAsync(Timeout)).ShouldBe(i + 1);
        }

        // The stall was the command timeout, 30 s; a start and 20 tasks take a few seconds even on a loaded machine.
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(25), "the worker's start did not wait on the socket engine's thread");
        worker.Output.ShouldNotContain("5080", customMessage: "the search index's savepoint was released, not timed out and rolled back");
        await using (var connection = await client.Database.OpenAsync())
        {
            (await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM pg_indexes WHERE schemaname = '{client.Schema.Trim('"')}' AND indexname = '{ArgumentsSearchIndex.IndexName}'"))
                .ShouldBe(1, "the worker's start created the index");
        }
    }
}
