using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.Telemetry.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Telemetry.Tests;

/// <summary>
/// One trace across two processes, with OpenTelemetry as an application wires it: an ASP.NET Core request (Kestrel on
/// 127.0.0.1, its server span from the ASP.NET Core instrumentation) sends a task (TaskFlow's send span), and a worker
/// process (Worker/, its own OpenTelemetry tracer printing each span) runs it (TaskFlow's process span).
/// </summary>
public sealed class CrossProcessTraceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_web_request_its_send_and_the_run_in_a_worker_process_are_one_trace()
    {
        var queue = TestQueues.Unique("trace");
        var exported = new ExportedSpans();
        var environment = new Dictionary<string, string>
        {
            ["TASKFLOW_TELEMETRY_QUEUE"] = queue,
            ["TASKFLOW_TEST_AMQP"] = TestEnvironment.BrokerUri.ToString(),
        };
        await using var worker = ChildProcess.Start(
            Dotnet.StartInfo([Dotnet.AppNextToTests("TaskFlow.Telemetry.Worker.dll")], AppContext.BaseDirectory, environment),
            "the telemetry worker");
        await worker.WaitForLineAsync("WORKER-READY", Timeout);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenTelemetry().WithTracing(t => t
            .AddAspNetCoreInstrumentation()
            .AddSource(TaskFlowTelemetry.Name)
            .AddInMemoryExporter(exported));
        builder.Services.AddTaskFlow(o => o.DefaultQueue = queue)
            .UseRabbitMq(o => TestQueues.Configure(o, queue))
            .AddTaskFlowTelemetryWorkerTasks();
        await using var app = builder.Build();
        app.MapPost("/greet/{name}", async (string name, TelemetryWorkerTasks.Client tasks) =>
        {
            var handle = await tasks.Greet.DelayAsync(name);
            return Results.Accepted(value: new { id = handle.Id });
        });
        try
        {
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

            using var response = await http.PostAsync("/greet/ada", content: null);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var taskId = (await response.Content.ReadFromJsonAsync<Accepted>())!.Id;

            // The worker's process span, printed by its tracer when the run ended.
            var line = await worker.WaitForLineAsync(
                l => l.StartsWith(SpanPrinter.Prefix + "Consumer ", StringComparison.Ordinal) && l.Contains(" " + taskId + " ", StringComparison.Ordinal),
                "the process span of task " + taskId,
                Timeout);
            var process = line[SpanPrinter.Prefix.Length..].Split(' ');
            // The web app's spans: exported when they end (the server span just after the answer).
            Activity? server = null;
            Activity? send = null;
            var deadline = DateTime.UtcNow + Timeout;
            while ((server is null || send is null) && DateTime.UtcNow < deadline)
            {
                var spans = exported.Snapshot();
                send = spans.SingleOrDefault(a => a.Kind == ActivityKind.Producer && Equals(a.GetTagItem("messaging.message.id"), taskId));
                server = send is null ? null : spans.SingleOrDefault(a => a.Kind == ActivityKind.Server && a.SpanId == send.ParentSpanId);

                await Task.Delay(50);
            }

            send.ShouldNotBeNull("the web app's send span");
            server.ShouldNotBeNull($"the server span of POST /greet/ada as the send span's parent; exported: {string.Join(", ", exported.Select(a => a.Kind + " " + a.DisplayName))}");
            server.Source.Name.ShouldBe("Microsoft.AspNetCore");
            server.DisplayName.ShouldBe("POST /greet/{name}");
            send.TraceId.ShouldBe(server.TraceId);
            send.DisplayName.ShouldBe("send " + queue);
            process[1].ShouldBe(server.TraceId.ToHexString(), "the worker process's span is in the web request's trace");
            process[3].ShouldBe(send.SpanId.ToHexString(), "and its parent is the send span, carried in the traceparent header");
            process[5].ShouldBe("succeeded");
            process[6].ShouldBe("process_" + queue);
        }
        finally
        {
            await app.StopAsync();
            await worker.StopAsync(StopSignal.Terminate, TimeSpan.FromSeconds(30));
            await TestQueues.DeleteAsync(queue);
        }
    }

    private sealed record Accepted(string Id);
}
