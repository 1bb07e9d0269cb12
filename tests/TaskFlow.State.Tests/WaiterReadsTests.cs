using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The waiters' coalesced reads (<see cref="WaiterReads"/>) without a database: one query at a time, the ids asked for
/// meanwhile read together by the next, failures and cancellations confined to whom they concern. Against PostgreSQL:
/// WaitNotificationTests and TaskStateTests.
/// </summary>
public sealed class WaiterReadsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static TaskStateInfo Record(string id, TaskState state = TaskState.Succeeded) =>
        new(id, "t", "q", state, null, 1, "w", null, null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    /// <summary>A database whose queries are held until released, and which records what each was asked.</summary>
    private sealed class HeldDatabase
    {
        private readonly ConcurrentQueue<(IReadOnlyList<string> Ids, TaskCompletionSource Release)> _queries = new();
        private int _running;

        public HashSet<string> Known { get; } = new(StringComparer.Ordinal);

        public Exception? Fail { get; set; }

        public List<IReadOnlyList<string>> Asked { get; } = [];

        public int MostAtOnce { get; private set; }

        public async Task<Dictionary<string, TaskStateInfo>> ReadAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Asked)
            {
                Asked.Add([.. ids]);
                MostAtOnce = Math.Max(MostAtOnce, ++_running);
            }

            _queries.Enqueue((ids, release));
            await release.Task;
            lock (Asked)
            {
                _running--;
            }

            if (Fail is { } fail)
            {
                throw fail;
            }

            return ids.Where(Known.Contains).ToDictionary(id => id, id => Record(id), StringComparer.Ordinal);
        }

        /// <summary>Lets the oldest query held finish (waits for it to be asked first).</summary>
        public async Task ReleaseNextAsync()
        {
            var deadline = DateTime.UtcNow + Timeout;
            (IReadOnlyList<string> Ids, TaskCompletionSource Release) query;
            while (!_queries.TryDequeue(out query))
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "a query was asked");
                await Task.Delay(5);
            }

            query.Release.SetResult();
        }
    }

    [Fact]
    public async Task A_lone_read_is_asked_at_once_and_returns_the_record_or_null()
    {
        var db = new HeldDatabase { Known = { "a" } };
        var reads = new WaiterReads(db.ReadAsync, caseInsensitiveIds: false);

        var a = reads.ReadAsync("a", CancellationToken.None);
        db.Asked.Count.ShouldBe(1); // started on the caller's thread, before ReadAsync returned
        await db.ReleaseNextAsync();
        (await a.WaitAsync(Timeout)).ShouldNotBeNull().TaskId.ShouldBe("a");

        var missing = reads.ReadAsync("missing", CancellationToken.None);
        await db.ReleaseNextAsync();
        (await missing.WaitAsync(Timeout)).ShouldBeNull();
        reads.Queries.ShouldBe(2);
        reads.Reads.ShouldBe(2);
    }

    [Fact]
    public async Task Reads_asked_while_a_query_runs_are_read_together_by_the_next_one_query_at_a_time()
    {
        var db = new HeldDatabase();
        for (var i = 0; i < 500; i++)
        {
            db.Known.Add($"t{i}");
        }

        var reads = new WaiterReads(db.ReadAsync, caseInsensitiveIds: false);
        var first = reads.ReadAsync("t0", CancellationToken.None);
        // 499 more while the first query is held, "t7" asked twice (two waiters of one task), and an unknown id.
        var rest = Enumerable.Range(1, 499).Select(i => reads.ReadAsync($"t{i}", CancellationToken.None))
            .Append(reads.ReadAsync("t7", CancellationToken.None))
            .Append(reads.ReadAsync("nobody", CancellationToken.None))
            .ToList();
        db.Asked.Count.ShouldBe(1);

        await db.ReleaseNextAsync();
        (await first.WaitAsync(Timeout))!.TaskId.ShouldBe("t0");
        await db.ReleaseNextAsync();
        var infos = await Task.WhenAll(rest).WaitAsync(Timeout);

        db.Asked.Count.ShouldBe(2);
        db.MostAtOnce.ShouldBe(1);
        db.Asked[1].Count.ShouldBe(500); // t1..t499 and "nobody"; t7 once
        db.Asked[1].Distinct().Count().ShouldBe(500);
        infos.Take(499).Select(i => i!.TaskId).ShouldBe(Enumerable.Range(1, 499).Select(i => $"t{i}"));
        infos[499]!.TaskId.ShouldBe("t7");
        infos[500].ShouldBeNull();
        reads.Queries.ShouldBe(2);
        reads.Reads.ShouldBe(502);
    }

    [Fact]
    public async Task A_failed_query_fails_its_own_readers_only_and_the_next_read_queries_again()
    {
        var db = new HeldDatabase { Known = { "a", "b", "c" } };
        var reads = new WaiterReads(db.ReadAsync, caseInsensitiveIds: false);
        var a = reads.ReadAsync("a", CancellationToken.None);
        var b = reads.ReadAsync("b", CancellationToken.None);

        db.Fail = new InvalidOperationException("the database went away");
        await db.ReleaseNextAsync();
        (await Should.ThrowAsync<InvalidOperationException>(() => a.WaitAsync(Timeout))).Message.ShouldBe("the database went away");
        db.Fail = null;
        await db.ReleaseNextAsync();
        (await b.WaitAsync(Timeout))!.TaskId.ShouldBe("b");

        db.Fail = new TimeoutException("slow");
        var c1 = reads.ReadAsync("c", CancellationToken.None);
        await db.ReleaseNextAsync();
        await Should.ThrowAsync<TimeoutException>(() => c1.WaitAsync(Timeout));
        db.Fail = null;
        var c2 = reads.ReadAsync("c", CancellationToken.None);
        await db.ReleaseNextAsync();
        (await c2.WaitAsync(Timeout))!.TaskId.ShouldBe("c");
        reads.Queries.ShouldBe(4);
    }

    [Fact]
    public async Task A_cancelled_reader_stops_waiting_without_cancelling_the_query_the_others_share()
    {
        var db = new HeldDatabase { Known = { "a", "b", "c" } };
        var reads = new WaiterReads(db.ReadAsync, caseInsensitiveIds: false);
        var a = reads.ReadAsync("a", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var b = reads.ReadAsync("b", cancel.Token);
        var c = reads.ReadAsync("c", CancellationToken.None);

        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => b.WaitAsync(Timeout));
        await db.ReleaseNextAsync();
        await db.ReleaseNextAsync();
        (await a.WaitAsync(Timeout))!.TaskId.ShouldBe("a");
        (await c.WaitAsync(Timeout))!.TaskId.ShouldBe("c");
        db.Asked[1].ShouldBe(new[] { "b", "c" });

        await Should.ThrowAsync<OperationCanceledException>(() => reads.ReadAsync("a", cancel.Token));
        reads.Reads.ShouldBe(3); // a read cancelled before it is asked is not asked
    }

    [Fact]
    public async Task A_query_that_serves_other_waiters_does_not_run_in_the_first_callers_context()
    {
        var local = new AsyncLocal<string?>();
        var seen = new List<string?>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = new WaiterReads(async (ids, _) =>
        {
            lock (seen)
            {
                seen.Add(local.Value);
            }

            await release.Task;
            return new Dictionary<string, TaskStateInfo>();
        }, caseInsensitiveIds: false);

        var first = Task.Run(() =>
        {
            local.Value = "first caller";
            return reads.ReadAsync("a", CancellationToken.None);
        });
        await Eventually.UntilAsync(() => Task.FromResult(seen.Count == 1), Timeout, "the first query started");
        var second = Task.Run(() =>
        {
            local.Value = "second caller";
            return reads.ReadAsync("b", CancellationToken.None);
        });
        await Task.Delay(50);
        release.SetResult();
        await Task.WhenAll(first, second).WaitAsync(Timeout);

        // The first query is the first caller's own read, on its thread; the next, reading for the second caller,
        // carries neither caller's context (an Activity of the first caller would otherwise parent every later query).
        seen.ShouldBe(new[] { "first caller", null });

        // A caller that suppressed the flow itself starts a query too, and its suppression stays as it was.
        var idle = new WaiterReads((_, _) => Task.FromResult(new Dictionary<string, TaskStateInfo>()), caseInsensitiveIds: false);
        Task<TaskStateInfo?> suppressed;
        using (ExecutionContext.SuppressFlow())
        {
            suppressed = idle.ReadAsync("c", CancellationToken.None);
            ExecutionContext.IsFlowSuppressed().ShouldBeTrue();
        }

        ExecutionContext.IsFlowSuppressed().ShouldBeFalse();

        (await suppressed.WaitAsync(Timeout)).ShouldBeNull();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_id_of_another_case_takes_the_record_only_where_the_database_matches_ids_ignoring_case(bool caseInsensitiveIds)
    {
        var records = new Dictionary<string, TaskStateInfo>(StringComparer.Ordinal) { ["abc"] = Record("abc"), ["XYZ"] = Record("XYZ", TaskState.Failed), ["xyz"] = Record("xyz") };
        var reads = new WaiterReads((_, _) => Task.FromResult(records), caseInsensitiveIds);

        var exact = await reads.ReadAsync("xyz", CancellationToken.None).WaitAsync(Timeout);
        exact!.State.ShouldBe(TaskState.Succeeded); // an exact spelling first, whatever the flag
        var other = await reads.ReadAsync("ABC", CancellationToken.None).WaitAsync(Timeout);
        if (caseInsensitiveIds)
        {
            other.ShouldNotBeNull().TaskId.ShouldBe("abc");
        }
        else
        {
            other.ShouldBeNull();
        }
    }
}
