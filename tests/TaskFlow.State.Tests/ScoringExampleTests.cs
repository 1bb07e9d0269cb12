using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scoring;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// examples/Scoring on the real broker and PostgreSQL: the same CalculateScore task delivered twice (one task id, two
/// messages, run by a worker with two slots, so the deliveries may overlap) changes the score once; a later order
/// changes it again. The tables are in a schema of the test's own, the messages on a queue of its own.
/// </summary>
public sealed class ScoringExampleTests
{
    [Fact]
    public async Task The_same_score_task_delivered_twice_changes_the_score_once()
    {
        var schema = Databases.NewSchema();
        var queue = "tf-scoring-" + Guid.NewGuid().ToString("N")[..10];
        var summaries = new SummaryLines();
        await using var dataSource = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        var book = new ScoreBook(dataSource, schema);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(summaries);
        builder.Services.AddSingleton(book);
        builder.Services.AddTaskFlow()
            .UseRabbitMq(o =>
            {
                o.ConnectionUri = TestEnvironment.BrokerUri;
                o.QueueType = QueueType.Classic;
            })
            .AddScoringTasks()
            .AddWorker(w => w.AddQueue(queue, concurrency: 2));
        using var host = builder.Build();
        try
        {
            await book.CreateSchemaAsync();
            await host.StartAsync();
            await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            var tasks = host.Services.GetRequiredService<ScoringTasks.Client>();
            const int userId = 7;

            // An order of 250: its task, one task id, delivered twice.
            var first = await book.PlaceOrderAsync(userId, 250m);
            var options = new SendOptions { Queue = queue, TaskId = "score-" + Guid.NewGuid().ToString("N") };
            await tasks.CalculateScore.ApplyAsync(userId, first, options);
            await tasks.CalculateScore.ApplyAsync(userId, first, options);
            await summaries.WaitForAsync(options.TaskId, count: 2, TimeSpan.FromSeconds(30));

            var score = (await book.ReadAsync(userId)).ShouldNotBeNull();
            score.ShouldBe(new UserScore(userId, 25, first, 1), "two deliveries, one calculation: the second returned early");
            summaries.For(options.TaskId).ShouldAllBe(line => line.Contains(" succeeded ", StringComparison.Ordinal));
            summaries.EarlyReturns.ShouldBe([$"Score of user {userId} already counts order {first}: nothing to do"], "the second delivery ran and returned early");

            // A later order of 40 is counted: the guard compares orders, it does not stop the user's score for good.
            var second = await book.PlaceOrderAsync(userId, 40m);
            var next = new SendOptions { Queue = queue, TaskId = "score-" + Guid.NewGuid().ToString("N") };
            await tasks.CalculateScore.ApplyAsync(userId, second, next);
            await summaries.WaitForAsync(next.TaskId, count: 1, TimeSpan.FromSeconds(30));
            (await book.ReadAsync(userId)).ShouldBe(new UserScore(userId, 29, second, 2));
        }
        finally
        {
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            {
                await host.StopAsync(stop.Token);
            }

            await StateHost.DeleteQueueAsync(queue);
            await Databases.Get("postgresql").DropSchemaAsync(schema);
        }
    }

    /// <summary>TaskFlow's summary line per settled delivery (event 4009), by task id; the task's early returns.</summary>
    private sealed class SummaryLines : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly ConcurrentQueue<string> _earlyReturns = new();

        /// <summary>What ScoringLog.AlreadyScored wrote (event 1 of the example).</summary>
        public string[] EarlyReturns => _earlyReturns.ToArray();

        public ILogger CreateLogger(string categoryName) => this;

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 4009)
            {
                _lines.Enqueue(formatter(state, exception));
            }
            else if (eventId.Id == 1 && formatter(state, exception) is var message && message.Contains("already counts order", StringComparison.Ordinal))
            {
                _earlyReturns.Enqueue(message);
            }
        }

        public string[] For(string? taskId) => _lines.Where(line => line.Contains("[" + taskId + "]", StringComparison.Ordinal)).ToArray();

        public async Task WaitForAsync(string? taskId, int count, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (For(taskId).Length < count)
            {
                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"{For(taskId).Length} of {count} summary lines for task {taskId} after {timeout}: [{string.Join(" | ", _lines)}]");
                }

                await Task.Delay(50);
            }
        }
    }
}
