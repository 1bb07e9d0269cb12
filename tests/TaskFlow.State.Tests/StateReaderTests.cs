using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using TaskFlow.Core;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The idempotency read (<c>StateReader</c>): concurrent reads answered by one query, each with its own task's state, and a
/// caller whose token is cancelled stops waiting at once while the read itself goes on for the others. Reads are pooled:
/// every one goes back to the pool once answered and taken, and the next reads reuse them. A read the database cannot
/// answer runs the task anyway (<c>PriorRuns.None</c>).
/// </summary>
public sealed class StateReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Concurrent_reads_get_their_own_tasks_states_and_a_cancelled_wait_ends_while_the_read_is_held()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false, hostedServices: false);
        var store = host.Store;
        var prefix = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 50; i++)
        {
            await store.Writer.WriteAsync(store.NewWrite($"{prefix}-{i}", "t", "q", i % 2 == 0 ? TaskState.Succeeded : TaskState.Started, 1 + (i % 3)), durable: true);
        }

        // 100 concurrent reads (50 recorded, 50 unknown), twice: each answer is its own task's, and the second round reuses
        // the first round's requests (the pool holds exactly 100 after each).
        for (var round = 0; round < 2; round++)
        {
            var reads = Enumerable.Range(0, 100).Select(i => store.Reader.ReadAsync($"{prefix}-{i}", CancellationToken.None).AsTask()).ToArray();
            var answers = await Task.WhenAll(reads).WaitAsync(Timeout);
            for (var i = 0; i < 100; i++)
            {
                if (i < 50)
                {
                    answers[i].Known.ShouldBeTrue($"task {i} was recorded");
                    answers[i].FinalState.ShouldBe(i % 2 == 0 ? "succeeded" : null);
                    answers[i].Attempts.ShouldBe(1 + (i % 3));
                }
                else
                {
                    answers[i].ShouldBe(PriorRuns.None, $"task {i} was never recorded");
                }
            }

            await PooledAsync(store, 100);
        }

        // A token cancelled before the call: no read is queued, the wait is cancelled.
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            await Should.ThrowAsync<OperationCanceledException>(() => store.Reader.ReadAsync($"{prefix}-0", cancelled.Token).AsTask());
        }

        // The table locked by another transaction holds every read. A waiter whose token is cancelled stops waiting at once;
        // one that is not gets its answer when the lock goes.
        await using var locker = await host.Database.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await locker.ExecuteAsync($"LOCK TABLE {host.Schema}.task_state IN ACCESS EXCLUSIVE MODE", transaction: transaction);
        using var impatient = new CancellationTokenSource();
        var patient = store.Reader.ReadAsync($"{prefix}-0", CancellationToken.None).AsTask();
        var given = store.Reader.ReadAsync($"{prefix}-2", impatient.Token).AsTask();
        await Task.Delay(300);
        patient.IsCompleted.ShouldBeFalse("the lock holds the read");
        given.IsCompleted.ShouldBeFalse("the lock holds the read");

        var watch = Stopwatch.StartNew();
        await impatient.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => given.WaitAsync(Timeout));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "the cancelled wait ended without the read");
        patient.IsCompleted.ShouldBeFalse("the read itself is still held");

        await transaction.CommitAsync();
        (await patient.WaitAsync(Timeout)).FinalState.ShouldBe("succeeded");
        (await store.Reader.ReadAsync($"{prefix}-2", CancellationToken.None).AsTask().WaitAsync(Timeout)).FinalState.ShouldBe("succeeded");

        // The cancelled read went back to the pool too, once its batch was answered: none is lost.
        await PooledAsync(store, 100);
    }

    [Fact]
    public async Task A_read_the_database_cannot_answer_runs_the_task_anyway_and_the_next_read_is_answered()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false, hostedServices: false);
        var store = host.Store;
        var id = Guid.NewGuid().ToString("N");
        await store.Writer.WriteAsync(store.NewWrite(id, "t", "q", TaskState.Succeeded, 2), durable: true);
        (await store.Reader.ReadAsync(id, CancellationToken.None).AsTask().WaitAsync(Timeout)).FinalState.ShouldBe("succeeded");

        // The table gone (renamed): PostgreSQL answers the batch's query with an error. The read does not fail the task:
        // it answers "nothing known", so the task runs (at least once, as without a store).
        await using var admin = await host.Database.OpenAsync();
        await admin.ExecuteAsync($"ALTER TABLE {host.Schema}.task_state RENAME TO task_state_away");
        try
        {
            (await store.Reader.ReadAsync(id, CancellationToken.None).AsTask().WaitAsync(Timeout)).ShouldBe(PriorRuns.None);
        }
        finally
        {
            await admin.ExecuteAsync($"ALTER TABLE {host.Schema}.task_state_away RENAME TO task_state");
        }

        // The next batch opens another connection and reads the record again.
        var again = await store.Reader.ReadAsync(id, CancellationToken.None).AsTask().WaitAsync(Timeout);
        again.ShouldBe(new PriorRuns("succeeded", 2, Known: true));
    }

    private static async Task PooledAsync(TaskStateStore store, int expected)
    {
        // The loop lets go of a request just after answering it, possibly after its caller took the answer.
        var watch = Stopwatch.StartNew();
        while (store.Reader.Pooled != expected && watch.Elapsed < Timeout)
        {
            await Task.Delay(10);
        }

        store.Reader.Pooled.ShouldBe(expected);
    }
}
