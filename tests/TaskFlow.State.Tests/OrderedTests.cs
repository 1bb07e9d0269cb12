using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.State.Tests;

/// <summary>
/// <c>[Task(Ordered = true)]</c>: tasks of one key run one at a time in enqueue order, against PostgreSQL, the broker and
/// worker processes (one killed with <c>kill -9</c>), with a lost predecessor (the gap rule), the outbox and no store.
/// </summary>
public sealed class OrderedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly ITestOutputHelper _output;

    public OrderedTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static string Account(string name) => name + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Tasks_of_a_key_run_one_at_a_time_in_enqueue_order_while_another_key_runs_beside_them()
    {
        using var meter = new WaitListener();
        await using var host = await StateHost.StartAsync("postgresql", concurrency: 8);
        var tasks = host.Services.GetRequiredService<SequenceTasks.Client>();
        var a = Account("a");
        var b = Account("b");
        var handles = new List<TaskHandle>();
        var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 40; i++)
        {
            handles.Add(await tasks.Post.ApplyAsync(a, i, 50, host.Options()));
            handles.Add(await tasks.Post.ApplyAsync(b, i, 50, host.Options()));
        }

        foreach (var handle in handles)
        {
            (await host.Store.WaitAsync(handle.Id, Timeout)).State.ShouldBe(TaskState.Succeeded);
        }

        var runs = SequenceTasks.Runs.Where(r => r.Key == a || r.Key == b).ToList();
        runs.Count.ShouldBe(80, "each task ran once");
        foreach (var key in new[] { a, b })
        {
            var ofKey = runs.Where(r => r.Key == key).OrderBy(r => r.Start).ThenBy(r => r.End).ToList();
            ofKey.Select(r => r.N).ShouldBe(Enumerable.Range(0, 40), $"key {key} ran in enqueue order");
            for (var i = 1; i < ofKey.Count; i++)
            {
                ofKey[i].Start.ShouldBeGreaterThanOrEqualTo(ofKey[i - 1].End, $"key {key}: {ofKey[i].N} started while {ofKey[i - 1].N} ran");
            }
        }

        // The keys do not block each other: runs of A and B overlapped in time.
        var overlaps = runs.Where(r => r.Key == a).Count(x => runs.Any(y => y.Key == b && y.Start < x.End && x.Start < y.End));
        overlaps.ShouldBeGreaterThan(10, "runs of the two keys ran side by side");
        meter.Waits.ShouldBeGreaterThan(0, "successors waited round the delay levels");

        foreach (var key in new[] { a, b })
        {
            var ofKey = runs.Where(r => r.Key == key).ToList();
            var span = (ofKey.Max(r => r.End) - ofKey.Min(r => r.Start)) / 1000.0;
            var gaps = ofKey.OrderBy(r => r.Start).Zip(ofKey.OrderBy(r => r.Start).Skip(1), static (x, y) => y.Start - x.End).OrderBy(g => g).ToList();
            _output.WriteLine($"key {key[..1]}: 40 ordered tasks of 50 ms in {span:F2} s = {40 / span:F1} tasks/s; gap between runs p50 {gaps[gaps.Count / 2]} ms, p90 {gaps[gaps.Count * 9 / 10]} ms, max {gaps[^1]} ms; first start {ofKey.Min(r => r.Start) - sent} ms after the first send");
        }

        _output.WriteLine($"order waits (deferrals) {meter.Waits} for 80 tasks; overlapping A/B runs {overlaps}");
        (await RowsAsync(host, a)).ShouldBeLessThanOrEqualTo(1, "the rows below a task that passed are forgotten (at most the last one is left)");
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_an_ordered_run_loses_nothing_and_its_key_stays_in_order()
    {
        await using var store = await StateHost.StartAsync("postgresql", worker: false);
        var extra = new Dictionary<string, string>
        {
            ["TASKFLOW_STATE_CONCURRENCY"] = "4",
            ["TASKFLOW_STATE_LEASE_MS"] = "3000", // the killed worker's permit on its key lapses after 3 s (default 30 s)
            ["Logging__LogLevel__TaskFlow.Tasks"] = "Debug", // the deferral line (5070), with the task's id
        };
        var workers = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                workers.Add(await WorkerProcess.StartAsync(store.Schema, store.Queue, "normal", extra));
            }

            var victim = workers[0];
            var keys = Enumerable.Range(1, 4).Select(k => Account("k" + k)).ToList();
            var tasks = store.Services.GetRequiredService<SequenceTasks.Client>();
            var handles = new List<TaskHandle>();
            for (var i = 0; i < 25; i++)
            {
                foreach (var key in keys)
                {
                    handles.Add(await tasks.Post.ApplyAsync(key, i, 150, store.Options()));
                }
            }

            // Kill the victim in the middle of a run: once it has started three, while one started at most 40 ms ago runs
            // (SIGKILL to the process itself: collecting a process tree first can take longer than a run on a loaded machine).
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!(victim.Lines.Count(l => l.Contains("ORDERED-START", StringComparison.Ordinal)) >= 3
                && Intervals(victim.Lines, long.MaxValue).Any(r => r.Cut && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - r.Start < 40)))
            {
                watch.Elapsed.ShouldBeLessThan(Timeout, "the victim ran ordered tasks");
                await Task.Delay(2);
            }

            victim.Kill(entireProcessTree: false);
            var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));

            foreach (var handle in handles)
            {
                (await store.Store.WaitAsync(handle.Id, Timeout)).State.ShouldBe(TaskState.Succeeded, "no task lost");
            }

            var victimRuns = Intervals(victim.Lines, killedAt).ToList();
            var runs = workers.SelectMany(w => w == victim ? victimRuns : Intervals(w.Lines, long.MaxValue)).ToList();
            var cut = runs.Where(r => r.Cut).ToList();
            var duplicated = runs.GroupBy(r => r.TaskId).Where(g => g.Count() > 1).Select(g => g.OrderBy(r => r.Start).ToList()).ToList();
            // Why a task ran twice: the kill cut its first run (in its code, or after it and before its final record and
            // ack: still started, its message came back), or cut a deferral of it on the victim between the publish of
            // the copy and the ack of the original (two messages of one task: at least once).
            string Cause(List<(string Key, int N, string TaskId, long Start, long End, bool Cut)> twice) =>
                victimRuns.Contains(twice[0]) ? (twice[0].Cut ? "cut mid-run" : $"cut {killedAt - twice[0].End} ms after its code, before its ack")
                : victim.Lines.Any(l => l.Contains($"[{twice[0].TaskId}] is ordered by", StringComparison.Ordinal)) ? "a deferral on the victim cut before its ack"
                : "unexplained";
            var resumes = cut.Select(c => runs.Where(r => r.Key == c.Key && r.Start >= c.End).Select(r => r.Start).DefaultIfEmpty(-1).Min() - killedAt).ToList();
            _output.WriteLine(
                $"100 tasks (4 keys x 25, 150 ms), 3 workers x 4 slots, one killed mid-run: runs {runs.Count}, cut mid-run {cut.Count} " +
                $"({string.Join(", ", cut.Select(c => $"{c.Key[..2]}#{c.N}"))}), lost 0, duplicated {runs.Count - 100} " +
                $"({string.Join(", ", duplicated.Select(d => $"{d[0].Key[..2]}#{d[0].N}: {Cause(d)}"))}), " +
                $"cut key resumed {string.Join("/", resumes)} ms after the kill; total {(runs.Max(r => r.End == long.MaxValue ? r.Start : r.End) - runs.Min(r => r.Start)) / 1000.0:F1} s");

            runs.ShouldNotContain(r => r.Cut && r.End == long.MaxValue, "only the killed worker has unfinished runs");
            cut.Count.ShouldBeInRange(1, 4, "the victim was killed in the middle of a run (one per key at most)");
            foreach (var key in keys)
            {
                var ofKey = runs.Where(r => r.Key == key).OrderBy(r => r.Start).ToList();
                ofKey.Select(r => r.N).Distinct().Count().ShouldBe(25, $"key {key}: every task ran");
                for (var i = 1; i < ofKey.Count; i++)
                {
                    ofKey[i].N.ShouldBeGreaterThanOrEqualTo(ofKey[i - 1].N, $"key {key}: {ofKey[i].N} started after {ofKey[i - 1].N}");
                    if (ofKey[i].N != ofKey[i - 1].N)
                    {
                        ofKey[i].Start.ShouldBeGreaterThanOrEqualTo(ofKey[i - 1].End, $"key {key}: {ofKey[i].N} started while {ofKey[i - 1].N} ran");
                    }
                }
            }

            foreach (var twice in duplicated)
            {
                twice.Count.ShouldBe(2, $"task {twice[0].Key}#{twice[0].N} ran twice at most");
                Cause(twice).ShouldNotBe("unexplained", $"task {twice[0].Key}#{twice[0].N} ran twice only because of the kill");
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_predecessor_whose_message_never_comes_is_skipped_after_the_gap_timeout_with_a_warning()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await StateHost.StartAsync("postgresql", configure: o => o.OrderGapTimeout = TimeSpan.FromSeconds(3), steps: b => b.Services.AddSingleton<ILoggerProvider>(logs));
        var account = Account("gap");
        var lost = await LostPredecessorAsync(host, account);

        var successor = await host.Services.GetRequiredService<SequenceTasks.Client>().Post.ApplyAsync(account, 1, 10, host.Options());
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        (await host.Store.GetAsync(successor.Id))!.State.ShouldBe(TaskState.Pending, "it waits for its lost predecessor");

        (await host.Store.WaitAsync(successor.Id, Timeout)).State.ShouldBe(TaskState.Succeeded);
        var run = SequenceTasks.Runs.Single(r => r.Key == account);
        var waited = run.Start - lost.DueAt.ToUnixTimeMilliseconds();
        waited.ShouldBeGreaterThanOrEqualTo(3000, "not before the gap timeout");
        var warning = logs.Of(5075).Where(m => m.Contains(lost.Id, StringComparison.Ordinal)).ToList().ShouldHaveSingleItem();
        warning.ShouldContain("OrderGapTimeout");
        warning.ShouldContain("revoke a stuck task");
        (await host.Store.GetAsync(lost.Id))!.State.ShouldBe(TaskState.Pending, "the skipped task itself is left as it is");
        _output.WriteLine($"successor ran {waited} ms after its lost predecessor became due (gap timeout 3 s); warning: {warning}");
    }

    [Fact]
    public async Task Revoking_a_stuck_predecessor_releases_its_successor_at_once()
    {
        await using var host = await StateHost.StartAsync("postgresql", configure: o => o.OrderGapTimeout = null);
        var account = Account("rev");
        var lost = await LostPredecessorAsync(host, account);
        var successor = await host.Services.GetRequiredService<SequenceTasks.Client>().Post.ApplyAsync(account, 1, 10, host.Options());

        await Task.Delay(TimeSpan.FromSeconds(5));
        (await host.Store.GetAsync(successor.Id))!.State.ShouldBe(TaskState.Pending, "without a gap timeout it waits as long as it takes");

        (await host.Store.RevokeAsync(lost.Id)).ShouldBeTrue();
        var revokedAt = DateTimeOffset.UtcNow;
        (await host.Store.WaitAsync(successor.Id, Timeout)).State.ShouldBe(TaskState.Succeeded);
        var released = SequenceTasks.Runs.Single(r => r.Key == account).Start - revokedAt.ToUnixTimeMilliseconds();
        released.ShouldBeLessThan(5000, "released by the revoke, not by a timeout");
        _output.WriteLine($"successor ran {released} ms after its stuck predecessor was revoked");
    }

    [Fact]
    public async Task Ordered_sends_in_a_rolled_back_transaction_leave_nothing_to_wait_for()
    {
        await using var host = await StateHost.StartAsync("postgresql", configure: o => o.OrderGapTimeout = null);
        var account = Account("tx");
        await using var connection = await host.Database.OpenAsync();
        TaskHandle rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var outbox = new SequenceTasks.Client(host.Store.Outbox(transaction));
            rolledBack = await outbox.Post.ApplyAsync(account, 0, 10, host.Options());
            await outbox.Post.ApplyAsync(account, 1, 10, host.Options());
            await transaction.RollbackAsync();
        }

        TaskHandle committed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            committed = await new SequenceTasks.Client(host.Store.Outbox(transaction)).Post.ApplyAsync(account, 2, 10, host.Options());
            await transaction.CommitAsync();
        }

        var next = await host.Services.GetRequiredService<SequenceTasks.Client>().Post.ApplyAsync(account, 3, 10, host.Options());
        (await host.Store.WaitAsync(committed.Id, TimeSpan.FromSeconds(30))).State.ShouldBe(TaskState.Succeeded, "no rolled-back predecessor to wait for (the gap timeout is off)");
        (await host.Store.WaitAsync(next.Id, TimeSpan.FromSeconds(30))).State.ShouldBe(TaskState.Succeeded);
        SequenceTasks.Runs.Where(r => r.Key == account).OrderBy(r => r.Start).Select(r => r.N).ShouldBe(new[] { 2, 3 });
        (await host.Store.GetAsync(rolledBack.Id)).ShouldBeNull();
        (await connection.QuerySingleAsync<long>($"SELECT next_seq FROM {host.Schema}.order_seq WHERE order_key = @Key", new { Key = "account:" + account }))
            .ShouldBe(2, "the rolled-back numbers were never taken: the committed send got 1, the next 2");
    }

    [Fact]
    public async Task Without_a_state_store_an_ordered_task_fails_at_start_up_and_an_order_key_at_send_but_eager_mode_runs_them()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTaskFlow().UseRabbitMq(o => o.ConnectionUri = TestEnvironment.BrokerUri).AddTaskFlowStateWorkerTasks();
        using (var host = builder.Build())
        {
            var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());
            error.Message.ShouldContain("Task state_tests.ordered is declared [Task(Ordered = true)], whose sequence per key is kept in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove Ordered.");

            // A per-call key without a store is refused too (not sent unordered).
            var tasks = host.Services.GetRequiredService<StateTasks.Client>();
            var send = await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Add.ApplyAsync(1, 2, "k", new SendOptions { OrderKey = "k" }));
            send.Message.ShouldContain("whose sequence is kept in the state store: add .AddStateStore(...)");
        }

        // Eager mode runs ordered tasks inline, in the order they are sent, without a store and without the gate.
        var eager = new ServiceCollection();
        eager.AddLogging();
        eager.AddTaskFlow(o => o.Eager = true).AddTaskFlowStateWorkerTasks();
        await using var provider = eager.BuildServiceProvider();
        provider.GetServices<IValidateOptions<TaskFlow.Core.Internal.TransportCheck>>().OfType<TaskFlow.Core.Internal.OrderedTasksCheckValidator>().ShouldHaveSingleItem()
            .Validate(null, new TaskFlow.Core.Internal.TransportCheck()).Succeeded.ShouldBeTrue("eager mode needs no store for ordered tasks");

        var account = Account("eager");
        var ordered = provider.GetRequiredService<SequenceTasks.Client>();
        await ordered.Post.DelayAsync(account, 0, 1);
        await ordered.Post.DelayAsync(account, 1, 1);
        SequenceTasks.Runs.Where(r => r.Key == account).Select(r => r.N).ShouldBe(new[] { 0, 1 });
    }

    [Fact]
    public async Task An_ordered_task_that_is_not_tracked_fails_at_start_up()
    {
        var error = await Should.ThrowAsync<OptionsValidationException>(() => StateHost.StartAsync("postgresql", configure: o => o.Tasks["state_tests.ordered"] = new TaskStatePolicy { Track = false }));
        error.Message.ShouldContain("Task state_tests.ordered is declared [Task(Ordered = true)], whose gate reads the states of earlier tasks, but TaskStateOptions.Tasks[\"state_tests.ordered\"].Track is false");
    }

    /// <summary>
    /// What a sender killed between its commit and its publish leaves (without the outbox): the number of the key and a
    /// pending record, and no message.
    /// </summary>
    private static async Task<(string Id, DateTimeOffset DueAt)> LostPredecessorAsync(StateHost host, string account)
    {
        var id = "lost-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await host.Database.OpenAsync();
        var dueAt = await connection.QuerySingleAsync<DateTime>(
            $"""
            INSERT INTO {host.Schema}.order_seq (order_key, next_seq, last_at) VALUES (@Key, 1, now());
            INSERT INTO {host.Schema}.task_order (order_key, seq, task_id, due_at) VALUES (@Key, 1, @Id, now());
            INSERT INTO {host.Schema}.task_state (task_id, task_name, queue, state, attempts, created_at, updated_at, expires_at)
                VALUES (@Id, 'state_tests.ordered', @Queue, 0, 0, now(), now(), now() + interval '1 day');
            SELECT due_at FROM {host.Schema}.task_order WHERE task_id = @Id;
            """, new { Key = "account:" + account, Id = id, host.Queue });
        return (id, new DateTimeOffset(DateTime.SpecifyKind(dueAt, DateTimeKind.Utc)));
    }

    private static async Task<long> RowsAsync(StateHost host, string account)
    {
        await using var connection = await host.Database.OpenAsync();
        return await connection.QuerySingleAsync<long>($"SELECT COUNT(*) FROM {host.Schema}.task_order WHERE order_key = @Key", new { Key = "account:" + account });
    }

    /// <summary>The runs in one process's output; a run started and not ended was cut by the kill at <paramref name="killedAt"/>.</summary>
    private static IEnumerable<(string Key, int N, string TaskId, long Start, long End, bool Cut)> Intervals(IReadOnlyList<string> lines, long killedAt)
    {
        var starts = new Dictionary<string, (string Key, int N, long Start)>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var marker = line.IndexOf("ORDERED-", StringComparison.Ordinal);
            var parts = marker < 0 ? [] : line[marker..].Split(' ');
            if (parts.Length < 5)
            {
                continue;
            }

            var n = int.Parse(parts[2], CultureInfo.InvariantCulture);
            var at = long.Parse(parts[4], CultureInfo.InvariantCulture);
            if (parts[0] == "ORDERED-START")
            {
                starts[parts[3]] = (parts[1], n, at);
            }
            else if (starts.Remove(parts[3], out var start))
            {
                yield return (start.Key, start.N, parts[3], start.Start, at, false);
            }
        }

        foreach (var (taskId, start) in starts)
        {
            yield return (start.Key, start.N, taskId, start.Start, killedAt, true);
        }
    }

    /// <summary>Counts <c>taskflow.tasks.order_waits</c> in this process.</summary>
    private sealed class WaitListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _waits;

        public WaitListener()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TaskFlowTelemetry.Name && instrument.Name == "taskflow.tasks.order_waits")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _waits, value));
            _listener.Start();
        }

        public long Waits => Interlocked.Read(ref _waits);

        public void Dispose() => _listener.Dispose();
    }
}
