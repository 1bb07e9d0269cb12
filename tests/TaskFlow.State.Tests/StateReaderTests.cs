using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The idempotency read (<c>StateReader</c>): concurrent reads answered by one query, each with its own task's state, and a
/// caller whose token is cancelled stops waiting at once while the read itself goes on for the others.
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

        // 100 concurrent reads (50 recorded, 50 unknown): each answer is its own task's.
        var reads = Enumerable.Range(0, 100).Select(i => store.Reader.ReadAsync($"{prefix}-{i}", CancellationToken.None)).ToArray();
        var answers = await Task.WhenAll(reads).WaitAsync(Timeout);
        for (var i = 0; i < 100; i++)
        {
            if (i < 50)
            {
                answers[i].ShouldNotBeNull($"task {i} was recorded");
                answers[i]!.Value.State.ShouldBe(i % 2 == 0 ? TaskState.Succeeded : TaskState.Started);
                answers[i]!.Value.Attempts.ShouldBe(1 + (i % 3));
            }
            else
            {
                answers[i].ShouldBeNull($"task {i} was never recorded");
            }
        }

        // A token cancelled before the call: no read is queued, the wait is cancelled.
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            await Should.ThrowAsync<OperationCanceledException>(() => store.Reader.ReadAsync($"{prefix}-0", cancelled.Token));
        }

        // The table locked by another transaction holds every read. A waiter whose token is cancelled stops waiting at once;
        // one that is not gets its answer when the lock goes.
        await using var locker = await host.Database.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await locker.ExecuteAsync($"LOCK TABLE {host.Schema}.task_state IN ACCESS EXCLUSIVE MODE", transaction: transaction);
        using var impatient = new CancellationTokenSource();
        var patient = store.Reader.ReadAsync($"{prefix}-0", CancellationToken.None);
        var given = store.Reader.ReadAsync($"{prefix}-2", impatient.Token);
        await Task.Delay(300);
        patient.IsCompleted.ShouldBeFalse("the lock holds the read");
        given.IsCompleted.ShouldBeFalse("the lock holds the read");

        var watch = Stopwatch.StartNew();
        await impatient.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => given.WaitAsync(Timeout));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "the cancelled wait ended without the read");
        patient.IsCompleted.ShouldBeFalse("the read itself is still held");

        await transaction.CommitAsync();
        (await patient.WaitAsync(Timeout))!.Value.State.ShouldBe(TaskState.Succeeded);
        (await store.Reader.ReadAsync($"{prefix}-2", CancellationToken.None).WaitAsync(Timeout))!.Value.State.ShouldBe(TaskState.Succeeded);
    }
}
