using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using TaskFlow.State;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Testing.Tests;

/// <summary>The harness with the transactional outbox on PostgreSQL: nothing is sent until its transaction commits.</summary>
public sealed class OutboxHarnessTests : IAsyncLifetime
{
    private readonly NpgsqlDataSource _database = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
    private readonly string _schema = "tf_harness_" + Guid.NewGuid().ToString("N")[..10];
    private ServiceProvider _services = null!;

    private TaskFlowTestHarness Harness => _services.GetRequiredService<TaskFlowTestHarness>();

    private TaskStateStore Store => _services.GetRequiredService<TaskStateStore>();

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Effects>();
        services.AddTaskFlow().AddTaskFlowTestingTestsTasks().AddStateStore(o =>
        {
            o.UsePostgreSql(_database);
            o.Schema = _schema;
        });
        services.AddTaskFlowTestHarness();
        _services = services.BuildServiceProvider();
        await Store.ApplySchemaAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await using (var connection = await _database.OpenConnectionAsync())
        await using (var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Outbox_NothingIsSentUntilTheTransactionCommits()
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await new HarnessTasks.Client(Store.Outbox(transaction)).Score.DelayAsync(4);

            (await Harness.PublishOutboxAsync()).ShouldBe(0); // not committed: invisible to the relay
            Harness.Sent.ShouldBeEmpty();
            await transaction.CommitAsync();
        }

        Harness.Sent.ShouldBeEmpty(); // committed, not yet published by the relay
        (await Harness.PublishOutboxAsync()).ShouldBe(1);
        Harness.Sent.Score.Single().UserId.ShouldBe(4L);

        var run = (await Harness.RunUntilIdleAsync()).Single();
        run.Outcome.ShouldBe("succeeded");
        var state = await Store.WaitAsync(run.Task.Id, TimeSpan.FromSeconds(30));
        state.State.ShouldBe(TaskState.Succeeded);
        state.ResultJson.ShouldBe("45");
    }

    [Fact]
    public async Task Outbox_ARolledBackTransaction_SendsNothing()
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await new HarnessTasks.Client(Store.Outbox(transaction)).SendWelcomeEmail.DelayAsync(1, "x");
            await transaction.RollbackAsync();
        }

        (await Harness.PublishOutboxAsync()).ShouldBe(0);
        Harness.Sent.ShouldBeEmpty();
        (await Harness.RunUntilIdleAsync()).ShouldBeEmpty();
        _services.GetRequiredService<Effects>().Log.ShouldBeEmpty();
    }
}
