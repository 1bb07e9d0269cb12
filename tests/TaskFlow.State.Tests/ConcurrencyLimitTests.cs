using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.State.Tests;

/// <summary>Distributed locks (<see cref="ITaskLocks"/>) and <c>[Task(MaxConcurrency)]</c>, against PostgreSQL, the broker and worker processes.</summary>
public sealed class ConcurrencyLimitTests
{
    private readonly ITestOutputHelper _output;

    public ConcurrencyLimitTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task A_semaphore_admits_exactly_its_permits_and_a_released_permit_is_taken_again()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false);
        var locks = host.Services.GetRequiredService<ITaskLocks>();

        // 12 racing for 3 permits: exactly 3 get one, each a different slot.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => locks.TryAcquireAsync("pool", permits: 3))));
        var held = attempts.Where(l => l is not null).Select(l => l!).ToList();
        held.Count.ShouldBe(3);
        held.Select(l => l.Slot).OrderBy(s => s).ShouldBe(new[] { 0, 1, 2 });
        (await locks.TryAcquireAsync("pool", permits: 3)).ShouldBeNull();

        // Another resource is independent.
        await using (var other = await locks.TryAcquireAsync("other"))
        {
            other.ShouldNotBeNull();
        }

        var released = held[1];
        await released.DisposeAsync();
        await using var again = await locks.TryAcquireAsync("pool", permits: 3);
        again.ShouldNotBeNull();
        again.Slot.ShouldBe(released.Slot);
        again.FencingToken.ShouldBeGreaterThan(held.Max(l => l.FencingToken), "a permit that changes hands gets a larger token");
        foreach (var l in held.Where(l => l != released))
        {
            await l.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_dead_holders_permit_is_taken_over_after_its_lease_and_the_old_holder_is_fenced_off()
    {
        // A 4 s lease, renewed every 1.3 s: room for a loaded CI machine's scheduling delays.
        await using var host = await StateHost.StartAsync("postgresql", worker: false, configure: o => o.LeaseDuration = TimeSpan.FromSeconds(4));
        var locks = host.Services.GetRequiredService<ITaskLocks>();
        var slots = host.Store.Database.Locks;

        // A holder that died: its permit row was written, nobody renews it.
        var dead = await slots.TryAcquireAsync("scraper", 1, 0, "dead-worker", TimeSpan.FromSeconds(2), CancellationToken.None);
        dead.ShouldNotBeNull();
        (await locks.TryAcquireAsync("scraper")).ShouldBeNull("the lease is live");

        var waited = System.Diagnostics.Stopwatch.StartNew();
        await using var successor = await locks.AcquireAsync("scraper", TimeSpan.FromSeconds(30));
        waited.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(0.5));
        successor.FencingToken.ShouldBeGreaterThan(dead.Value.Token);
        (await slots.RenewAsync("scraper", 0, dead.Value.Token, TimeSpan.FromSeconds(10), CancellationToken.None)).ShouldBeFalse("the old token is fenced off");

        // The successor renews itself: past two lease durations it still holds the permit.
        await Task.Delay(TimeSpan.FromSeconds(9));
        successor.Lost.IsCancellationRequested.ShouldBeFalse();
        (await locks.TryAcquireAsync("scraper")).ShouldBeNull();
        var timeout = await Should.ThrowAsync<TimeoutException>(() => locks.AcquireAsync("scraper", TimeSpan.FromMilliseconds(300)));
        timeout.Message.ShouldBe("TaskFlow: every permit of lock 'scraper' (1) stayed held for 00:00:00.3000000.");
    }

    [Fact]
    public async Task A_holder_whose_permit_was_taken_sees_Lost()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false, configure: o => o.LeaseDuration = TimeSpan.FromSeconds(1.5));
        var locks = host.Services.GetRequiredService<ITaskLocks>();
        await using var holder = await locks.AcquireAsync("report", TimeSpan.FromSeconds(5));

        // Its lease runs out (e.g. a long GC pause or a network partition) and someone else takes the permit.
        await using (var connection = await host.Database.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, $"UPDATE {host.Schema}.lock_slot SET expires_at = now() - interval '1 second' WHERE name = 'report'");
        }
        var taker = await host.Store.Database.Locks.TryAcquireAsync("report", 1, 0, "other-worker", TimeSpan.FromMinutes(1), CancellationToken.None);
        taker.ShouldNotBeNull();

        await Task.Delay(Timeout.Infinite, holder.Lost).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        holder.Lost.IsCancellationRequested.ShouldBeTrue();
    }

    [Theory]
    [InlineData("", 1, "a lock name")]
    [InlineData("x", 0, "1 to 1000 permits")]
    public async Task Bad_lock_arguments_are_refused(string name, int permits, string expected)
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false);
        var locks = host.Services.GetRequiredService<ITaskLocks>();
        var error = await Should.ThrowAsync<ArgumentException>(() => locks.TryAcquireAsync(name, permits));
        if (name.Length > 0)
        {
            error.Message.ShouldContain(expected);
        }

        var tooLong = await Should.ThrowAsync<ArgumentException>(() => locks.TryAcquireAsync(new string('n', 256)));
        tooLong.Message.ShouldContain("at most 255 characters");
    }

    [Fact]
    public async Task Limited_tasks_run_one_per_tenant_across_two_workers_while_other_tenants_run_beside_them()
    {
        await using var first = await StateHost.StartAsync("postgresql", concurrency: 4);
        await using var second = await StateHost.StartAsync("postgresql", concurrency: 4, schema: first.Schema, queue: first.Queue);
        var tenants = new[] { $"a{Guid.NewGuid():N}"[..10], $"b{Guid.NewGuid():N}"[..10], $"c{Guid.NewGuid():N}"[..10] };
        var handles = new List<TaskHandle>();
        for (var i = 0; i < 6; i++)
        {
            foreach (var tenant in tenants)
            {
                handles.Add(await first.Tasks.Limited.ApplyAsync(tenant, i, 150, first.Options()));
            }
        }

        foreach (var handle in handles)
        {
            (await first.Store.WaitAsync(handle.Id, TimeSpan.FromSeconds(90))).State.ShouldBe(TaskState.Succeeded);
        }

        foreach (var tenant in tenants)
        {
            StateTasks.MaxRunning["limited:" + tenant].ShouldBe(1, $"tenant {tenant} ran more than one task at once");
            for (var i = 0; i < 6; i++)
            {
                StateTasks.Runs.GetValueOrDefault($"limited:{tenant}:{i}").ShouldBe(1);
            }
        }

        // The message carried the key the template made, and the limit left other tenants running at the same time:
        // 18 runs of 150 ms, one per tenant at a time, took about 6 x 150 ms, not 18 x 150 ms.
        var started = await first.Store.QueryTasksAsync(new TaskQuery { Queue = first.Queue, Limit = 100 });
        started.Tasks.Count.ShouldBe(18);
        var span = started.Tasks.Max(t => t.CompletedAt!.Value) - started.Tasks.Min(t => t.StartedAt!.Value);
        _output.WriteLine($"18 limited runs (3 tenants x 6, 150 ms each, max 1 per tenant) over two workers took {span.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task A_worker_killed_while_it_holds_a_tenants_permit_never_lets_two_runs_of_the_tenant_overlap()
    {
        await using var store = await StateHost.StartAsync("postgresql", worker: false);
        var extra = new Dictionary<string, string> { ["TASKFLOW_STATE_CONCURRENCY"] = "4", ["TASKFLOW_STATE_LEASE_MS"] = "3000" };
        var victim = await WorkerProcess.StartAsync(store.Schema, store.Queue, "normal", extra);
        var survivor = await WorkerProcess.StartAsync(store.Schema, store.Queue, "normal", extra);
        try
        {
            var tenants = new[] { "t1", "t2", "t3" };
            var handles = new List<TaskHandle>();
            for (var i = 0; i < 8; i++)
            {
                foreach (var tenant in tenants)
                {
                    handles.Add(await store.Tasks.Limited.ApplyAsync(tenant, i, 1000, store.Options()));
                }
            }

            // Kill the victim in the middle of a run (it holds that tenant's permit and never releases it).
            await victim.WaitForLineAsync("LIMITED-START", TimeSpan.FromSeconds(60));
            victim.Kill();
            var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));

            foreach (var handle in handles)
            {
                (await store.Store.WaitAsync(handle.Id, TimeSpan.FromSeconds(120))).State.ShouldBe(TaskState.Succeeded);
            }

            // Every run's interval, from both processes' output; the victim's unfinished run ends when it was killed.
            var runs = Intervals(victim.Lines, killedAt).Concat(Intervals(survivor.Lines, killedAt)).ToList();
            runs.Count.ShouldBeGreaterThanOrEqualTo(25, "24 tasks, and the ones the kill cut ran again");
            foreach (var tenant in tenants)
            {
                var ordered = runs.Where(r => r.Tenant == tenant).OrderBy(r => r.Start).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    ordered[i].Start.ShouldBeGreaterThanOrEqualTo(ordered[i - 1].End, $"tenant {tenant}: run {ordered[i].TaskId} started while {ordered[i - 1].TaskId} ran");
                }
            }

            var cut = runs.Where(r => r.Cut).ToList();
            cut.Count.ShouldBeInRange(1, 3, "the victim was killed in the middle of a run (one per tenant at most)");
            var resumed = runs.Where(r => r.Tenant == cut[0].Tenant && r.Start >= cut[0].End).Min(r => r.Start);
            _output.WriteLine($"runs {runs.Count} (24 tasks, {cut.Count} cut by kill -9 and run again); tenant {cut[0].Tenant} resumed {resumed - killedAt} ms after the kill (lease 3,000 ms); lost 0, overlaps 0");
        }
        finally
        {
            await victim.DisposeAsync();
            await survivor.DisposeAsync();
        }
    }

    private static IEnumerable<(string Tenant, string TaskId, long Start, long End, bool Cut)> Intervals(IReadOnlyList<string> lines, long killedAt)
    {
        var starts = new Dictionary<string, (string Tenant, long Start)>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var marker = line.IndexOf("LIMITED-", StringComparison.Ordinal);
            var parts = marker < 0 ? [] : line[marker..].Split(' ');
            if (parts.Length < 4)
            {
                continue;
            }

            var at = long.Parse(parts[3], CultureInfo.InvariantCulture);
            if (parts[0] == "LIMITED-START")
            {
                starts[parts[2]] = (parts[1], at);
            }
            else if (starts.Remove(parts[2], out var start))
            {
                yield return (start.Tenant, parts[2], start.Start, at, false);
            }
        }

        foreach (var (taskId, start) in starts)
        {
            yield return (start.Tenant, taskId, start.Start, killedAt, true);
        }
    }
}
