using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State.Internal;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>The store's write rules (a final state is never moved back), pending records, and the outbox's header encoding.</summary>
public sealed class StoreRulesTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_final_state_is_never_moved_back_by_a_late_write(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false, hostedServices: false);
        var store = host.Store;
        async Task Write(string id, TaskState state, int attempts = 1) =>
            await store.Writer.WriteAsync(store.NewWrite(id, "t", "q", state, attempts), durable: true);

        // pending after started (a client's batch landing after the worker's): stays started
        await Write("a", TaskState.Started);
        await Write("a", TaskState.Pending, 0);
        (await store.GetAsync("a"))!.State.ShouldBe(TaskState.Started);

        // started after succeeded (a slow writer): stays succeeded
        await Write("b", TaskState.Succeeded);
        await Write("b", TaskState.Started, 2);
        (await store.GetAsync("b"))!.State.ShouldBe(TaskState.Succeeded);

        // revoked before it started: a late success cannot happen (skipped), a late start does not undo it
        (await store.RevokeAsync("c")).ShouldBeTrue();
        await Write("c", TaskState.Started);
        (await store.GetAsync("c"))!.State.ShouldBe(TaskState.Revoked);

        // revoked while running, and it finished anyway: the result wins (the work happened)
        await Write("d", TaskState.Started);
        (await store.RevokeAsync("d")).ShouldBeTrue();
        await Write("d", TaskState.Succeeded);
        (await store.GetAsync("d"))!.State.ShouldBe(TaskState.Succeeded);

        // many writes of one task in one batch fold into one row
        var writes = new List<Task>();
        for (var i = 0; i < 50; i++)
        {
            writes.Add(store.Writer.WriteAsync(store.NewWrite("e" + i, "t", "q", TaskState.Started, 1), durable: false).AsTask());
            writes.Add(store.Writer.WriteAsync(store.NewWrite("e" + i, "t", "q", TaskState.Succeeded, 1, result: i.ToString(System.Globalization.CultureInfo.InvariantCulture)), durable: true).AsTask());
        }

        await Task.WhenAll(writes);
        var last = (await store.GetAsync("e49"))!;
        last.State.ShouldBe(TaskState.Succeeded);
        last.ResultJson.ShouldBe("49");
        last.StartedAt.ShouldNotBeNull();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task With_RecordPending_a_sent_task_reads_pending_until_it_starts(string name)
    {
        await using var host = await StateHost.StartAsync(name, configure: o => o.RecordPending = true);
        var handle = await host.Tasks.Add.ApplyAsync(1, 2, Guid.NewGuid().ToString("N"), host.Options(countdown: TimeSpan.FromSeconds(1)));

        await Eventually.UntilAsync(async () => (await handle.GetStateAsync()) is not null, TimeSpan.FromSeconds(5), "the pending record is written");
        var pending = (await handle.GetStateAsync())!;

        pending.State.ShouldBe(TaskState.Pending);
        pending.Attempts.ShouldBe(0);
        (await handle.WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe(3);
    }

    [Fact]
    public void Outbox_headers_round_trip_with_their_types()
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["task"] = "a.b",
            ["retries"] = 0,
            ["eta"] = null,
            ["timelimit"] = new List<object?> { null, 30.5 },
            ["ignore_result"] = false,
            ["big"] = 5_000_000_000L,
            ["x-taskflow-entity"] = "note:ü",
        };

        var back = HeaderJson.Read(HeaderJson.Write(headers));

        back["task"].ShouldBe("a.b");
        back["retries"].ShouldBeOfType<int>().ShouldBe(0);
        back["eta"].ShouldBeNull();
        back["timelimit"].ShouldBeOfType<List<object?>>().ShouldBe(new List<object?> { null, 30.5 });
        back["ignore_result"].ShouldBe(false);
        back["big"].ShouldBe(5_000_000_000L);
        back["x-taskflow-entity"].ShouldBe("note:ü");
    }
}
