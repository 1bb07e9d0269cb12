using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.Interop.Tests.Infrastructure;
using TaskFlow.RabbitMq;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests;

/// <summary>
/// TaskFlow's generated proxy -> RabbitMQ -> a real Celery 5.2 worker process (solo pool) running
/// <c>interop.record</c>, which writes what it received to a file. Each test has its own classic queue (Celery
/// 5.2 sets a global basic.qos, which quorum queues refuse) and exchanges, and its own worker process.
/// </summary>
public sealed class TaskFlowToPythonTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;
    private readonly InteropTopology _topology = InteropTopology.Create("t2p", QueueType.Classic);
    private BrokerAdmin? _broker;
    private CeleryWorkerProcess? _celery;
    private TaskFlowTestHost? _host;
    private bool _disposed;

    public TaskFlowToPythonTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private InteropTasks.Client Tasks => _host!.Services.GetRequiredService<InteropTasks.Client>();

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Kill Celery first, whatever happened in the test.
        if (_celery is not null)
        {
            await _celery.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_broker is not null)
        {
            foreach (var problem in await _broker.DeleteAsync(_topology))
            {
                _output.WriteLine("[cleanup] " + problem);
            }

            await _broker.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        _output.WriteLine("[interop] " + await InteropEnvironment.RequireBrokerAndCeleryAsync());
        _broker = await BrokerAdmin.ConnectAsync();

        // Celery declares the classic queue first (with TaskFlow's arguments, from python/taskflow_interop.py);
        // TaskFlow's own declare on first send must then be equivalent or it would fail with PRECONDITION_FAILED.
        _celery = await CeleryWorkerProcess.StartAsync(_topology, _output);
        _host = await TaskFlowTestHost.StartAsync(_topology, _output, withWorker: false);
    }

    [Fact]
    public async Task DelayAsync_RunsOnCeleryWorker_WithEveryArgumentAndTheHeadersCeleryExpects()
    {
        var when = new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var reference = Guid.NewGuid();

        var handle = await Tasks.Record.DelayAsync(
            "héllo ✓ \"quoted\"",
            42,
            0.25,
            true,
            null,
            ["a", "b"],
            new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 },
            new InteropPayload("widget", 3, when, reference));

        handle.TaskName.ShouldBe("interop.record");
        handle.Queue.ShouldBe(_topology.Queue);
        var record = await _celery!.WaitForRecordAsync(handle.Id, Timeout);
        _output.WriteLine("[record] " + record.GetRawText());

        record.GetProperty("id").GetString().ShouldBe(handle.Id);
        record.GetProperty("task").GetString().ShouldBe("interop.record");

        // Every argument arrives positionally, as JSON; nested objects use TaskFlowOptions.SerializerOptions (camelCase).
        var args = record.GetProperty("args");
        args.GetArrayLength().ShouldBe(8);
        args[0].GetString().ShouldBe("héllo ✓ \"quoted\"");
        args[1].GetInt32().ShouldBe(42);
        args[2].GetDouble().ShouldBe(0.25);
        args[3].GetBoolean().ShouldBeTrue();
        args[4].ValueKind.ShouldBe(JsonValueKind.Null);
        args[5].EnumerateArray().Select(e => e.GetString()).ShouldBe(["a", "b"]);
        args[6].GetProperty("x").GetInt32().ShouldBe(1);
        args[6].GetProperty("y").GetInt32().ShouldBe(2);
        args[7].GetProperty("name").GetString().ShouldBe("widget");
        args[7].GetProperty("quantity").GetInt32().ShouldBe(3);
        DateTimeOffset.Parse(args[7].GetProperty("when").GetString()!, CultureInfo.InvariantCulture).ShouldBe(when);
        args[7].GetProperty("reference").GetString().ShouldBe(reference.ToString());
        record.GetProperty("kwargs").EnumerateObject().ShouldBeEmpty();

        // The request Celery built from TaskFlow's headers and properties.
        var request = record.GetProperty("request");
        request.GetProperty("id").GetString().ShouldBe(handle.Id);
        request.GetProperty("correlation_id").GetString().ShouldBe(handle.Id);
        request.GetProperty("root_id").GetString().ShouldBe(handle.Id);
        NullOrAbsent(request, "parent_id").ShouldBeTrue("TaskFlow sends no parent_id header when it has no value; Celery reads it as None");
        // Celery's optional headers whose absence means their default are left out (docs/protocol.md): the task
        // still reads the default through its request context.
        NullOrAbsent(request, "retries").ShouldBeTrue("TaskFlow sends no retries header on a first send");
        record.GetProperty("effective").GetProperty("retries").GetInt32().ShouldBe(0);
        request.GetProperty("lang").GetString().ShouldBe("py");
        NullOrAbsent(request, "eta").ShouldBeTrue("TaskFlow sends no eta header when it has no value; Celery reads it as None");
        NullOrAbsent(request, "expires").ShouldBeTrue("TaskFlow sends no expires header when it has no value; Celery reads it as None");
        NullOrAbsent(request, "group").ShouldBeTrue("TaskFlow sends no group header when it has no value; Celery reads it as None");
        NullOrAbsent(request, "shadow").ShouldBeTrue("TaskFlow sends no shadow header when it has no value; Celery reads it as None");
        NullOrAbsent(request, "ignore_result").ShouldBeTrue("TaskFlow sends ignore_result only when it is true");
        record.GetProperty("effective").GetProperty("ignore_result").GetBoolean().ShouldBeFalse();
        request.GetProperty("argsrepr").GetString().ShouldNotBeNull().ShouldStartWith("[\"h");
        NullOrAbsent(request, "kwargsrepr").ShouldBeTrue("TaskFlow sends no keyword arguments, so no kwargsrepr");
        request.GetProperty("origin").GetString().ShouldNotBeNull().ShouldStartWith("gen");
        NullOrAbsent(request, "timelimit").ShouldBeTrue("TaskFlow sends timelimit only when a limit is set");
        record.GetProperty("time_limits").ValueKind.ShouldBe(JsonValueKind.Null, "no time limit: Celery's request has none");
        var delivery = request.GetProperty("delivery_info");
        delivery.GetProperty("exchange").GetString().ShouldBe(_topology.Exchange);
        delivery.GetProperty("routing_key").GetString().ShouldBe(_topology.Queue);
        var properties = request.GetProperty("properties");
        properties.GetProperty("content_type").GetString().ShouldBe("application/json");
        properties.GetProperty("content_encoding").GetString().ShouldBe("utf-8");
        properties.GetProperty("delivery_mode").GetInt32().ShouldBe(2);

        // Celery accepted the message (no "Received invalid task message", no decode error) and acked it.
        await _celery.WaitForLogAsync($"Task interop.record[{handle.Id}] succeeded", Timeout);
        AssertNoCeleryErrors();
        await WaitUntilEmptyAsync(_topology.Queue);
        (await _broker!.CountAsync(_topology.DeadLetterQueue)).ShouldBe(0u);
    }

    [Fact]
    public async Task ApplyAsync_SendOptions_MapToTheCeleryRequest()
    {
        var taskId = "taskflow-chosen-" + _topology.Suffix;
        var before = DateTimeOffset.UtcNow;

        var handle = await Tasks.Record.ApplyAsync(
            "options",
            1,
            1.5,
            false,
            "not null",
            [],
            new Dictionary<string, int>(),
            new InteropPayload("p", 0, before, Guid.Empty),
            new SendOptions
            {
                TaskId = taskId,
                ExpiresIn = TimeSpan.FromMinutes(10),
                ParentId = "parent-" + _topology.Suffix,
                RootId = "root-" + _topology.Suffix,
                Priority = 5,
                Headers = new Dictionary<string, object?> { ["x-tenant"] = "acme", ["x-budget"] = 3, ["x-beta"] = true },
            });

        handle.Id.ShouldBe(taskId);
        var record = await _celery!.WaitForRecordAsync(taskId, Timeout);
        _output.WriteLine("[record] " + record.GetRawText());
        var request = record.GetProperty("request");
        request.GetProperty("id").GetString().ShouldBe(taskId);
        request.GetProperty("root_id").GetString().ShouldBe("root-" + _topology.Suffix);
        request.GetProperty("parent_id").GetString().ShouldBe("parent-" + _topology.Suffix);

        // expires: ISO 8601, microseconds, +00:00; Celery parsed it (else InvalidTaskError) and did not find it expired.
        var expires = request.GetProperty("expires").GetString();
        expires.ShouldNotBeNull().ShouldEndWith("+00:00");
        DateTimeOffset.Parse(expires, CultureInfo.InvariantCulture).ShouldBeInRange(before.AddMinutes(10).AddSeconds(-5), DateTimeOffset.UtcNow.AddMinutes(10).AddSeconds(5));

        // Application headers pass through Celery into the request context untouched.
        request.GetProperty("x-tenant").GetString().ShouldBe("acme");
        request.GetProperty("x-budget").GetInt32().ShouldBe(3);
        request.GetProperty("x-beta").GetBoolean().ShouldBeTrue();
        request.GetProperty("delivery_info").GetProperty("priority").GetInt32().ShouldBe(5);

        await _celery.WaitForLogAsync($"Task interop.record[{taskId}] succeeded", Timeout);
        AssertNoCeleryErrors();
    }

    [Fact]
    public async Task DelayAsync_InsideATrace_CarriesTraceparent_WhichCeleryAcceptsAndPassesThrough()
    {
        using var source = new System.Diagnostics.ActivitySource("TaskFlow.Interop.Tests");
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        TaskHandle handle;
        string traceparent;
        using (var request = source.StartActivity("web request")!)
        {
            traceparent = request.Id!;
            handle = await Tasks.Record.DelayAsync(
                "traced", 0, 0, false, null, [], new Dictionary<string, int>(), new InteropPayload("t", 0, DateTimeOffset.UtcNow, Guid.Empty));
        }

        var record = await _celery!.WaitForRecordAsync(handle.Id, Timeout);
        record.GetProperty("request").GetProperty("traceparent").GetString().ShouldBe(traceparent);
        await _celery.WaitForLogAsync($"Task interop.record[{handle.Id}] succeeded", Timeout);
        AssertNoCeleryErrors();
    }

    [Fact]
    public async Task ApplyAsync_AlreadyExpired_IsDiscardedByCelery()
    {
        var expired = await Tasks.Record.ApplyAsync(
            "expired", 0, 0, false, null, [], new Dictionary<string, int>(), new InteropPayload("e", 0, DateTimeOffset.UtcNow, Guid.Empty),
            new SendOptions { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        var live = await Tasks.Record.DelayAsync(
            "live", 0, 0, false, null, [], new Dictionary<string, int>(), new InteropPayload("l", 0, DateTimeOffset.UtcNow, Guid.Empty));

        // Solo pool, one queue: the expired message is handled before the live one.
        await _celery!.WaitForRecordAsync(live.Id, Timeout);
        await _celery.WaitForLogAsync($"Discarding revoked task: interop.record[{expired.Id}]", Timeout);
        _celery.TryReadRecord(expired.Id).ShouldBeNull();
        await WaitUntilEmptyAsync(_topology.Queue);
    }

    [Fact]
    public async Task ApplyAsync_Countdown_ReachesTheCeleryWorkerAtItsEta()
    {
        // TaskFlow sends a delayed task through its delay levels with the eta header set; it reaches the queue
        // (through the delivery exchange) when due, and Celery runs it at once since the ETA has passed.
        var sent = DateTimeOffset.UtcNow;
        var handle = await Tasks.Record.ApplyAsync(
            "delayed", 0, 0, false, null, [], new Dictionary<string, int>(), new InteropPayload("d", 0, sent, Guid.Empty),
            new SendOptions { Countdown = TimeSpan.FromSeconds(2) });

        var record = await _celery!.WaitForRecordAsync(handle.Id, Timeout);
        _output.WriteLine("[record] " + record.GetRawText());
        var eta = DateTimeOffset.Parse(record.GetProperty("request").GetProperty("eta").GetString()!, CultureInfo.InvariantCulture);
        eta.ShouldBeInRange(sent.AddSeconds(2), DateTimeOffset.UtcNow);
        var received = DateTimeOffset.FromUnixTimeMilliseconds((long)(record.GetProperty("received_at").GetDouble() * 1000));
        received.ShouldBeGreaterThanOrEqualTo(eta.AddMilliseconds(-50), "Celery ran the task before its ETA: it arrived early");
        received.ShouldBeLessThan(eta.AddSeconds(15));
        await _celery.WaitForLogAsync($"Task interop.record[{handle.Id}] succeeded", Timeout);
        AssertNoCeleryErrors();
    }

    [Fact]
    public async Task ApplyAsync_TimeLimits_ReachCeleryAsHardLimitThenSoftLimit_AndIgnoreResultWhenTrue()
    {
        // Celery protocol v2: headers["timelimit"] = [time_limit (hard), soft_time_limit] (celery/app/amqp.py as_task_v2,
        // read back as `time_limit, soft_time_limit = self.time_limits` in celery/worker/request.py).
        var handle = await Tasks.Record.ApplyAsync(
            "limits", 0, 0, false, null, [], new Dictionary<string, int>(), new InteropPayload("t", 0, DateTimeOffset.UtcNow, Guid.Empty),
            new SendOptions { SoftTimeLimit = TimeSpan.FromSeconds(30), TimeLimit = TimeSpan.FromSeconds(60), IgnoreResult = true });

        var record = await _celery!.WaitForRecordAsync(handle.Id, Timeout);
        var limits = record.GetProperty("time_limits");
        var hard = limits[0].GetDouble();
        var soft = limits[1].GetDouble();
        (hard, soft).ShouldBe(
            (60d, 30d),
            $"TaskFlow sent timelimit [{hard}, {soft}]: Celery reads the first element as the hard limit and the second as the soft limit, " +
            "so TaskEnvelope must write [TimeLimit, SoftTimeLimit].");
        record.GetProperty("request").GetProperty("ignore_result").GetBoolean().ShouldBeTrue("IgnoreResult = true is sent as ignore_result");
        record.GetProperty("effective").GetProperty("ignore_result").GetBoolean().ShouldBeTrue();
    }

    private void AssertNoCeleryErrors()
    {
        var problems = _celery!.Log.Where(line =>
            line.Contains("ERROR/", StringComparison.Ordinal) || line.Contains("CRITICAL/", StringComparison.Ordinal)
            || line.Contains("Traceback", StringComparison.Ordinal) || line.Contains("invalid task message", StringComparison.OrdinalIgnoreCase)
            || line.Contains("unregistered task", StringComparison.OrdinalIgnoreCase)).ToList();
        problems.ShouldBeEmpty("the Celery worker logged errors for TaskFlow's messages");
    }

    private async Task WaitUntilEmptyAsync(string queue)
    {
        // Nothing left ready: Celery took every message (it acks after the task ran, task_acks_late=True).
        for (var i = 0; i < 50; i++)
        {
            if (await _broker!.CountAsync(queue) == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        (await _broker!.CountAsync(queue)).ShouldBe(0u, $"queue {queue} still holds ready messages: Celery did not take them");
    }

    private static bool NullOrAbsent(JsonElement request, string name) =>
        !request.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null;
}
