using System;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The probe measures enqueue -> run on the real broker and the real store; the <c>taskflow</c> health check reports it
/// per queue, degrades and then fails while a queue has no consumer, and recovers when one comes; its broker and store
/// parts say what is wrong.
/// </summary>
public sealed class ProbeAndHealthTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Probes_measure_latency_and_a_queue_without_consumer_degrades_fails_and_recovers()
    {
        var idle = "tf-probe-idle-" + Guid.NewGuid().ToString("N")[..8];
        var busy = "tf-probe-busy-" + Guid.NewGuid().ToString("N")[..8];
        var latencies = new ConcurrentBag<(double Seconds, string? Queue)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TaskFlowTelemetry.Name && instrument.Name == "taskflow.probe.latency")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            latencies.Add((value, tags.ToArray().FirstOrDefault(t => t.Key == "taskflow.queue").Value as string)));
        listener.Start();

        await using var host = await StateHost.StartAsync("postgresql", queue: busy, steps: taskflow =>
        {
            taskflow.AddProbe(o =>
            {
                o.Interval = TimeSpan.FromMilliseconds(300);
                // A wide Degraded window (2 s to 15 s after the idle queue's probe was sent): on a loaded machine the
                // consumed queue's first answer, awaited first, can take seconds.
                o.DegradedAfter = TimeSpan.FromSeconds(2);
                o.UnhealthyAfter = TimeSpan.FromSeconds(15);
                o.Queues.Add(busy);
                o.Queues.Add(idle);
            });
            taskflow.Services.AddHealthChecks().AddTaskFlow();
        });
        try
        {
            var health = host.Services.GetRequiredService<HealthCheckService>();

            // The consumed queue answers: its latency is in the check's data and in the worker's histogram.
            HealthReport report = null!;
            await Eventually.UntilAsync(async () =>
            {
                report = await health.CheckHealthAsync();
                return Entry(report, $"probe:{host.Queue}")?.Contains("probe latency", StringComparison.Ordinal) == true;
            }, Timeout, "the probe of the consumed queue was answered");
            latencies.ShouldContain(l => l.Queue == host.Queue && l.Seconds >= 0 && l.Seconds < 10);
            Entry(report, "worker")!.ShouldStartWith("Healthy");
            Entry(report, "broker")!.ShouldStartWith("Healthy");
            Entry(report, "store")!.ShouldStartWith("Healthy");

            // The queue nobody consumes: degraded after 2 s, unhealthy after 15 s, and the check says which queue and why.
            // (The probe part; the queues part fails at once for a queue without consumers, below.)
            await Eventually.UntilAsync(async () => Entry(await health.CheckHealthAsync(), "probe")!.StartsWith("Degraded", StringComparison.Ordinal), Timeout, "the idle queue's probe degrades the check");
            await Eventually.UntilAsync(async () => Entry(report = await health.CheckHealthAsync(), "probe")!.StartsWith("Unhealthy", StringComparison.Ordinal), Timeout, "the idle queue's probe fails the check");
            report.Status.ShouldBe(HealthStatus.Unhealthy);
            report.Entries["taskflow"].Description!.ShouldContain(idle);
            Entry(report, $"probe:{idle}")!.ShouldContain("unanswered");

            // The queue heartbeat (the broker's figures, through the management API) says why: nobody consumes it.
            await Eventually.UntilAsync(async () =>
            {
                report = await health.CheckHealthAsync();
                return Entry(report, $"queues:{idle}")?.Contains("0 consumer(s)", StringComparison.Ordinal) == true
                    && Entry(report, $"queues:{busy}")?.Contains("1 consumer(s)", StringComparison.Ordinal) == true;
            }, Timeout, "the queue heartbeat reports the consumers of both queues");
            Entry(report, "queues")!.ShouldStartWith("Unhealthy");
            Entry(report, "queues")!.ShouldContain($"{idle}: no consumer");
            var consumers = new ConcurrentDictionary<string, long>();
            using (var gauges = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == TaskFlowTelemetry.Name && instrument.Name == "taskflow.queue.consumers")
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            })
            {
                gauges.SetMeasurementEventCallback<long>((_, value, tags, _) =>
                    consumers[(string)tags.ToArray().First(t => t.Key == "taskflow.queue").Value!] = value);
                gauges.Start();
                gauges.RecordObservableInstruments();
            }

            consumers[idle].ShouldBe(0);
            consumers[busy].ShouldBe(1);
            latencies.ShouldNotContain(l => l.Queue == idle);

            // A consumer comes: the stale probe expires, the next one is answered, the check recovers.
            await using var late = await StateHost.StartAsync("postgresql", schema: host.Schema, queue: idle);
            // Healthy alone is not enough to wait for: between the stale probe's expiry and the next probe's answer the
            // entry reads "unanswered for 0.0 s", which is healthy too (a 2026-12-07 rehearsal caught the test there).
            await Eventually.UntilAsync(
                async () => (report = await health.CheckHealthAsync()).Status == HealthStatus.Healthy
                    && Entry(report, $"probe:{idle}")?.Contains("probe latency", StringComparison.Ordinal) == true,
                Timeout,
                "the check recovers and the idle queue's next probe is answered once the queue has a consumer");
            report.Status.ShouldBe(HealthStatus.Healthy);
            latencies.ShouldContain(l => l.Queue == idle);
        }
        finally
        {
            await StateHost.DeleteQueueAsync(idle);
        }
    }

    [Fact]
    public async Task The_health_check_names_a_schema_behind_and_an_unreachable_broker()
    {
        var schema = Databases.NewSchema();
        var db = Databases.Get("postgresql");
        try
        {
            await using var services = Provider(TestEnvironment.BrokerUri, db, schema);
            var health = services.GetRequiredService<HealthCheckService>();
            var report = await health.CheckHealthAsync();
            report.Status.ShouldBe(HealthStatus.Unhealthy);
            Entry(report, "store")!.ShouldContain("schema is at version 0");
            Entry(report, "store")!.ShouldContain("taskflow schema apply");
            Entry(report, "broker")!.ShouldStartWith("Healthy");

            await services.GetRequiredService<TaskStateStore>().ApplySchemaAsync();
            (await health.CheckHealthAsync()).Status.ShouldBe(HealthStatus.Healthy);

            await using var unreachable = Provider(new Uri("amqp://guest:guest@127.0.0.1:1/"), db, schema);
            report = await unreachable.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            report.Status.ShouldBe(HealthStatus.Unhealthy);
            Entry(report, "broker")!.ShouldContain("could not connect to RabbitMQ at amqp://127.0.0.1:1/");
            Entry(report, "store")!.ShouldStartWith("Healthy");
        }
        finally
        {
            await db.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task Probe_options_are_checked_at_start_up()
    {
        var error = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StateHost.StartAsync(
            "postgresql",
            worker: false,
            steps: taskflow => taskflow.AddProbe(o =>
            {
                o.Interval = TimeSpan.Zero;
                o.UnhealthyAfter = TimeSpan.FromSeconds(1);
            })));
        error.Message.ShouldContain("TaskFlowProbeOptions.Interval must be positive");
        error.Message.ShouldContain("must not be shorter than DegradedAfter");
    }

    private static ServiceProvider Provider(Uri broker, TestDatabase db, string schema)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow()
            .UseRabbitMq(o => o.ConnectionUri = broker)
            .AddTaskFlowStateWorkerTasks()
            .AddStateStore(o =>
            {
                db.Use(o);
                o.Schema = schema;
                o.ApplySchemaAutomatically = false;
            });
        services.AddHealthChecks().AddTaskFlow();
        return services.BuildServiceProvider();
    }

    private static string? Entry(HealthReport report, string key) =>
        report.Entries["taskflow"].Data.TryGetValue(key, out var value) ? value?.ToString() : null;
}
