using System;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>Cleanup deletes expired records in batches and nothing else. (The 1,000,000-row figure: docs/state.md, measured with the worker's cleanup-bench.)</summary>
public sealed class CleanupTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Cleanup_deletes_only_expired_records_batch_by_batch(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false, hostedServices: false, configure: o => o.CleanupBatchSize = 300);
        var now = DateTimeOffset.UtcNow;
        var rows = Enumerable.Range(0, 1000).Select(i => new
        {
            TaskId = "cleanup-" + i,
            State = 10,
            Now = now.AddDays(-2),
            ExpiresAt = i % 10 == 0 ? now.AddDays(1) : now.AddSeconds(-1),
        }).ToList();
        await using (var connection = await host.Database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {host.Schema}.task_state (task_id, state, attempts, created_at, updated_at, expires_at) VALUES (@TaskId, @State, 1, @Now, @Now, @ExpiresAt)",
                rows,
                transaction);
            await transaction.CommitAsync();
        }

        var deleted = await host.Store.CleanupAsync();

        deleted.ShouldBe(900);
        await using (var connection = await host.Database.OpenAsync())
        {
            (await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.task_state")).ShouldBe(100);
        }

        (await host.Store.GetAsync("cleanup-10")).ShouldNotBeNull();
        (await host.Store.GetAsync("cleanup-11")).ShouldBeNull();
        (await host.Store.CleanupAsync()).ShouldBe(0);
    }
}
