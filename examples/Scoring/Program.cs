using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scoring;
using TaskFlow;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;

// The third example of a Celery conference talk: "process an order, then calculate the user's score in the background". The order is
// stored at once (the request's part); the score is calculated by a task, which is idempotent: it stores the last
// order it counted and returns early when it is called again for that order (a message delivered twice, a task that
// a later order's calculation already covered), all in one transaction (ScoreBook.CalculateAsync).
// One process hosts the worker and plays the shop: three orders, the last one's task sent twice.
//
//   bash scripts/rabbitmq.sh && bash scripts/postgres.sh
//   dotnet run --project examples/Scoring
//
// Environment: SCORING_POSTGRES (default: the database scripts/postgres.sh creates), TaskFlow__RabbitMq__ConnectionUri.
var connectionString = Environment.GetEnvironmentVariable("SCORING_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow";
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddFilter("TaskFlow", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
builder.Services.AddSingleton(services => new ScoreBook(services.GetRequiredService<NpgsqlDataSource>(), "scoring"));
var taskflow = builder.Configuration.GetSection("TaskFlow");
builder.Services.AddTaskFlow(taskflow)
    .UseRabbitMq(taskflow.GetSection("RabbitMq"))
    .AddScoringTasks()
    .AddWorker(w => w.AddQueue("scores", concurrency: 2));

using var host = builder.Build();
var book = host.Services.GetRequiredService<ScoreBook>();
await book.CreateSchemaAsync();
await host.StartAsync();
await host.Services.GetRequiredService<TaskFlowWorker>().Started;
var tasks = host.Services.GetRequiredService<ScoringTasks.Client>();

var userId = Random.Shared.Next(1, int.MaxValue);
var before = await book.ReadAsync(userId);
long lastOrder = 0;
foreach (var total in new[] { 120m, 35.50m, 80m })
{
    lastOrder = await book.PlaceOrderAsync(userId, total);                         // the request: store the order...
    await tasks.CalculateScore.DelayAsync(userId, lastOrder);                      // ...and score it in the background
    Console.WriteLine($"order {lastOrder}: {total} placed for user {userId}");
}

// The same task once more, with the same task id: a message delivered twice.
var again = new SendOptions { TaskId = "score-" + userId + "-" + lastOrder };
await tasks.CalculateScore.ApplyAsync(userId, lastOrder, again);
await tasks.CalculateScore.ApplyAsync(userId, lastOrder, again);

var waited = Stopwatch.StartNew();
UserScore? score;
while ((score = await book.ReadAsync(userId)) is not { } done || done.LastScoredOrderId != lastOrder)
{
    if (waited.Elapsed > TimeSpan.FromSeconds(30))
    {
        Console.Error.WriteLine("The score was not calculated within 30 s: is the worker consuming queue 'scores'?");
        return 1;
    }

    await Task.Delay(100);
}

await Task.Delay(TimeSpan.FromSeconds(1)); // let the repeated deliveries run too
score = await book.ReadAsync(userId);
Console.WriteLine($"user {userId}: score {score!.Score} (one point per 10 spent), calculated {score.Calculations} time(s) for 5 tasks");
await host.StopAsync();
return score.Score == 23 && before is null ? 0 : 1;
