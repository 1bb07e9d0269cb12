using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.Telemetry.Worker;
using Xunit;

namespace TaskFlow.Telemetry.Tests;

/// <summary>
/// A real Prometheus server scrapes TaskFlow's metrics, exported by OpenTelemetry's Prometheus exporter from a worker
/// process (Kestrel on 127.0.0.1) after real tasks ran over the real broker, and its query API returns TaskFlow's series.
/// </summary>
public sealed class PrometheusScrapeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prometheus_scrapes_sent_processed_by_outcome_duration_and_queue_wait_of_real_tasks()
    {
        var queue = TestQueues.Unique("scrape");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(TaskFlowTelemetry.Name).AddPrometheusExporter());
        builder.Services.AddTaskFlow(o =>
            {
                o.DefaultQueue = queue;
                o.RetryPolicies["telemetry_tests.flaky"] = new RetryPolicy { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(100), Jitter = false };
            })
            .UseRabbitMq(o => TestQueues.Configure(o, queue))
            .AddTaskFlowTelemetryWorkerTasks()
            .AddWorker(w =>
            {
                w.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
                w.AddQueue(queue, concurrency: 2, prefetch: 8);
            });
        await using var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();
        try
        {
            await app.StartAsync();
            await app.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(Timeout);
            var tasks = app.Services.GetRequiredService<TelemetryWorkerTasks.Client>();
            var metricsAddress = new Uri(app.Urls.Single());

            for (var i = 0; i < 3; i++)
            {
                await tasks.Greet.DelayAsync("prometheus " + i);
            }

            await tasks.Flaky.DelayAsync(Guid.NewGuid().ToString("N"), 1);
            await tasks.Fail.DelayAsync("scraped");
            // The exporter shows what was measured: wait until the dead letter, the slowest outcome, is counted.
            using var http = new HttpClient();
            var exposition = string.Empty;
            var deadline = DateTime.UtcNow + Timeout;
            while (!exposition.Contains("dead_lettered", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                exposition = await http.GetStringAsync(new Uri(metricsAddress, "metrics"));
            }

            await using var prometheus = await PrometheusServer.StartAsync(metricsAddress.Authority);
            var selector = $"{{taskflow_queue=\"{queue}\"}}";

            var processed = await prometheus.WaitForAsync(
                "taskflow_tasks_processed_total" + selector,
                series => series.Count(s => s.Value > 0) >= 3,
                Timeout);
            var byOutcome = processed
                .GroupBy(s => (Task: s.Labels.GetValueOrDefault("taskflow_task_name"), Outcome: s.Labels.GetValueOrDefault("taskflow_task_outcome")))
                .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
            var because = $"Prometheus answered {Describe(processed)}; its targets: {await prometheus.TargetsAsync()}";
            byOutcome.GetValueOrDefault(("telemetry_tests.greet", "succeeded")).ShouldBe(3, because);
            byOutcome.GetValueOrDefault(("telemetry_tests.flaky", "retried")).ShouldBe(1, because);
            byOutcome.GetValueOrDefault(("telemetry_tests.flaky", "succeeded")).ShouldBe(1, because);
            byOutcome.GetValueOrDefault(("telemetry_tests.fail", "dead_lettered")).ShouldBe(1, because);
            processed.ShouldAllBe(s => s.Labels["job"] == "taskflow");

            var sent = await prometheus.QueryAsync("sum by (taskflow_task_name) (taskflow_tasks_sent_total" + selector + ")");
            sent.Single(s => s.Labels["taskflow_task_name"] == "telemetry_tests.greet").Value.ShouldBe(3);
            var durations = await prometheus.QueryAsync("sum(taskflow_task_duration_seconds_count" + selector + ")");
            durations.ShouldHaveSingleItem().Value.ShouldBe(6, "one per delivery: 3 greetings, 2 flaky runs, 1 failure");
            var waits = await prometheus.QueryAsync("sum(taskflow_task_queue_wait_seconds_count" + selector + ")");
            waits.ShouldHaveSingleItem().Value.ShouldBe(6, "one per run, from the send time each publish stamps");
            var buckets = await prometheus.QueryAsync("taskflow_task_queue_wait_seconds_bucket" + selector);
            buckets.Select(s => s.Labels["le"]).ShouldContain("0.005", "the seconds buckets TaskFlow advises, not OpenTelemetry's millisecond defaults");
            (await prometheus.QueryAsync("taskflow_publish_duration_seconds_count")).ShouldNotBeEmpty("publish confirm latency");
        }
        finally
        {
            await app.StopAsync();
            await TestQueues.DeleteAsync(queue);
        }
    }

    private static string Describe(IReadOnlyList<(Dictionary<string, string> Labels, double Value)> series) =>
        series.Count == 0 ? "no series" : string.Join("; ", series.Select(s => "{" + string.Join(",", s.Labels.Select(l => l.Key + "=" + l.Value)) + "} " + s.Value));
}
