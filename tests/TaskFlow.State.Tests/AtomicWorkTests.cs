using System;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// A task's own database work and its completion record commit in one transaction (TaskContext.GetTransactionAsync):
/// a worker killed with SIGKILL before or after that commit never leaves a duplicate effect. The worker process
/// uses Npgsql, so these run against PostgreSQL.
/// </summary>
public sealed class AtomicWorkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Killed_after_the_commit_and_before_the_ack_the_redelivered_task_is_skipped_no_duplicate_effect()
    {
        await using var client = await StateHost.StartAsync("postgresql", worker: false);
        await client.Database.CreateEffectsTableAsync(client.Schema);
        var effect = Guid.NewGuid().ToString("N");

        await using (var doomed = await WorkerProcess.StartAsync(client.Schema, client.Queue, "kill-after-commit"))
        {
            var handle = await client.Tasks.AddEffect.ApplyAsync(effect, client.Options());
            (await doomed.WaitForExitAsync(Timeout)).ShouldNotBe(0); // SIGKILL: work + record committed, no ack
            doomed.Output.ShouldContain("KILLING (committed, not acked) " + handle.Id);
            (await Effects(client, effect)).ShouldBe(1);
            (await handle.GetStateAsync())!.State.ShouldBe(TaskState.Succeeded);

            // The broker redelivers the unacked message to the next worker, which finds the task succeeded.
            await using var next = await WorkerProcess.StartAsync(client.Schema, client.Queue, "normal");
            await next.WaitForLineAsync($"[{handle.Id}] skipped: it is already succeeded", Timeout);
            next.Output.ShouldNotContain("EFFECT-WRITTEN");
        }

        (await Effects(client, effect)).ShouldBe(1);
    }

    [Fact]
    public async Task Killed_in_the_middle_of_the_work_nothing_is_committed_and_the_redelivery_does_it_once()
    {
        await using var client = await StateHost.StartAsync("postgresql", worker: false);
        await client.Database.CreateEffectsTableAsync(client.Schema);
        var effect = Guid.NewGuid().ToString("N");

        await using (var doomed = await WorkerProcess.StartAsync(client.Schema, client.Queue, "kill-in-work"))
        {
            var handle = await client.Tasks.AddEffect.ApplyAsync(effect, client.Options());
            (await doomed.WaitForExitAsync(Timeout)).ShouldNotBe(0);
            doomed.Output.ShouldContain("KILLING (work done, not committed)");
            (await Effects(client, effect)).ShouldBe(0);
            (await handle.GetStateAsync())?.State.IsFinal().ShouldNotBe(true);

            await using var next = await WorkerProcess.StartAsync(client.Schema, client.Queue, "normal");
            var info = await handle.WaitAsync(Timeout);
            info.State.ShouldBe(TaskState.Succeeded);
            info.Attempts.ShouldBe(2); // the killed run counts: the store counted it when it started
        }

        (await Effects(client, effect)).ShouldBe(1);
    }

    private static async Task<int> Effects(StateHost host, string effect)
    {
        await using var connection = await host.Database.OpenAsync();
        return await connection.QuerySingleAsync<int>($"SELECT COUNT(*) FROM {host.Schema}.effects WHERE effect_id = @effect", new { effect });
    }
}
