using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.Interop.Tests.Infrastructure;
using TaskFlow.RabbitMq;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests;

/// <summary>
/// Celery client (<c>app.send_task</c> in /usr/bin/python3) -> RabbitMQ -> TaskFlow worker running
/// <c>[Task(Name = "interop.add_numbers")]</c>. Each test has its own quorum queue and exchanges.
/// </summary>
public sealed class PythonToTaskFlowTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;
    private readonly InteropTopology _topology = InteropTopology.Create("p2t", QueueType.Quorum);
    private BrokerAdmin? _broker;
    private TaskFlowTestHost? _host;
    private bool _disposed;

    public PythonToTaskFlowTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private CallRecorder<AddNumbersCall> Recorder => _host!.Services.GetRequiredService<CallRecorder<AddNumbersCall>>();

    private CallRecorder<CancellationCall> Cancellations => _host!.Services.GetRequiredService<CallRecorder<CancellationCall>>();

    private CeleryClient Celery => new(_topology, _output);

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

    private static string Describe(object? value) => value switch
    {
        null => "null",
        IList<object?> list => "[" + string.Join(", ", list.Select(Describe)) + "]",
        IDictionary<string, object?> table => "{" + string.Join(", ", table.Select(p => $"{p.Key}={Describe(p.Value is byte[] b ? System.Text.Encoding.UTF8.GetString(b) : p.Value)}")) + "}",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private async Task StartAsync()
    {
        _output.WriteLine("[interop] " + await InteropEnvironment.RequireBrokerAndCeleryAsync());
        _broker = await BrokerAdmin.ConnectAsync();
        _host = await TaskFlowTestHost.StartAsync(_topology, _output, withWorker: true);
    }

    [Fact]
    public async Task SendTask_PositionalAndSnakeCaseKeywordArguments_BindToDotNetParameters()
    {
        // kombu declares the quorum queue with TaskFlow's exact arguments: equivalent, so no PRECONDITION_FAILED.
        var id = await Celery.SendTaskAsync("interop.add_numbers", [2, 3], new Dictionary<string, object> { ["third_value"] = 4, ["label"] = "from celery ✓" });

        var call = await Recorder.WaitAsync(id, Timeout);

        call.Sum.ShouldBe(9);
        (call.First, call.Second, call.ThirdValue, call.Scale).ShouldBe((2, 3, 4, 1)); // scale: the .NET default
        call.Label.ShouldBe("from celery ✓");
        call.TaskId.ShouldBe(id);
        call.TaskName.ShouldBe("interop.add_numbers");
        call.Queue.ShouldBe(_topology.Queue);
        call.RootId.ShouldBe(id); // Celery: an empty root_id defaults to the task id
        call.ParentId.ShouldBeNull();
        call.Retries.ShouldBe(0);
        call.Eta.ShouldBeNull();
        call.Expires.ShouldBeNull();

        // Celery's protocol v2 headers reach TaskContext.Headers decoded (AMQP long strings -> string).
        call.Headers["lang"].ShouldBe("py");
        call.Headers["task"].ShouldBe("interop.add_numbers");
        call.Headers["id"].ShouldBe(id);
        call.Headers["argsrepr"].ShouldBe("[2, 3]");
        call.Headers["kwargsrepr"].ShouldBe("{'third_value': 4, 'label': 'from celery ✓'}");
        call.Headers["origin"].ShouldBeOfType<string>().ShouldStartWith("gen");
        call.Headers["timelimit"].ShouldBeAssignableTo<IList<object?>>().ShouldBe(new object?[] { null, null });
        call.Headers["ignore_result"].ShouldBe(false);

        (await _broker!.CountAsync(_topology.DeadLetterQueue)).ShouldBe(0u);
    }

    [Fact]
    public async Task SendTask_DeclaredCamelCaseKeywordNames_BindToo()
    {
        var id = await Celery.SendTaskAsync("interop.add_numbers", [1], new Dictionary<string, object> { ["second"] = 2, ["thirdValue"] = 3, ["scale"] = 10 });

        var call = await Recorder.WaitAsync(id, Timeout);

        call.Sum.ShouldBe(60);
        (call.First, call.Second, call.ThirdValue, call.Scale, call.Label).ShouldBe((1, 2, 3, 10, (string?)null));
        call.TaskId.ShouldBe(id);
    }

    [Fact]
    public async Task SendTask_WithoutDeclaring_ToTheQueueTaskFlowDeclared_Runs()
    {
        // declare=[]: kombu declares nothing; TaskFlow's worker declared the queue and its binding.
        var taskId = "celery-chosen-" + _topology.Suffix;
        var id = await Celery.SendTaskAsync("interop.add_numbers", [], new Dictionary<string, object> { ["first"] = 5, ["second"] = 6, ["third_value"] = 7 }, new CelerySendOptions { NoDeclare = true, TaskId = taskId });

        id.ShouldBe(taskId);
        var call = await Recorder.WaitAsync(id, Timeout);
        call.Sum.ShouldBe(18);
        call.TaskId.ShouldBe(taskId);
    }

    [Fact]
    public async Task SendTask_Expires_IsReadIntoTaskContext()
    {
        var before = DateTimeOffset.UtcNow;
        var id = await Celery.SendTaskAsync("interop.add_numbers", [1, 1, 1], new Dictionary<string, object>(), new CelerySendOptions { Expires = 300 });

        var call = await Recorder.WaitAsync(id, Timeout);

        // Celery sends expires as an ISO 8601 string with microseconds and +00:00; it also sets the AMQP
        // expiration property (per-message TTL) to the same 300 s.
        call.Expires.ShouldNotBeNull();
        call.Expires.Value.ShouldBeInRange(before.AddSeconds(290), DateTimeOffset.UtcNow.AddSeconds(310));
        call.Headers["expires"].ShouldBeOfType<string>().ShouldEndWith("+00:00");
        call.Sum.ShouldBe(3);
    }

    [Fact]
    public async Task SendTask_Countdown_IsDeferredThroughTheDelayLevels_AndRunsAtItsEta()
    {
        // Celery puts an ETA task straight into the queue; TaskFlow's worker sends it round through the broker's
        // delay levels (never holding it in memory) and runs it once the ETA has come.
        var id = await Celery.SendTaskAsync("interop.add_numbers", [1, 2, 3], new Dictionary<string, object>(), new CelerySendOptions { Countdown = 3 });

        var (call, ranAt) = await Recorder.WaitWithTimeAsync(id, Timeout);

        call.Sum.ShouldBe(6);
        call.Eta.ShouldNotBeNull();
        call.Headers["eta"].ShouldBeOfType<string>().ShouldEndWith("+00:00");
        ranAt.ShouldBeGreaterThanOrEqualTo(call.Eta.Value.AddMilliseconds(-50), "the task ran before its ETA");
        ranAt.ShouldBeLessThan(call.Eta.Value.AddSeconds(15), "the task ran far later than its ETA");
        call.Retries.ShouldBe(0);
        (await _broker!.CountAsync(_topology.DeadLetterQueue)).ShouldBe(0u);
    }

    [Fact]
    public async Task SendTask_EtaBeyondTheDelayLevels_IsNeverRun_AndEndsInTheDeadLetterQueue()
    {
        // 40 days: more than the ~31 days the delay levels carry, so TaskFlow cannot defer it. It must not run,
        // and must not be lost: it ends in <queue>.dead (how, and with which headers, is printed below).
        var id = await Celery.SendTaskAsync("interop.add_numbers", [1, 2, 3], new Dictionary<string, object>(), new CelerySendOptions { Countdown = 40 * 24 * 3600 });

        var dead = await _broker!.GetAsync(_topology.DeadLetterQueue, Timeout);

        _output.WriteLine("[dead letter] " + string.Join(", ", dead.Headers.Select(h => $"{h.Key}={Describe(h.Value)}")));
        dead.Header("id").ShouldBe(id);
        Recorder.Ran(id).ShouldBeFalse();
    }

    [Fact]
    public async Task SendTask_SoftTimeLimit_CancelsTheToken_AndTheTaskCompletes()
    {
        // Celery: time_limit=30 (hard), soft_time_limit=1, sent as headers["timelimit"] = [30, 1]. The soft limit
        // cancels the task's token after 1 s; the task returns normally, so nothing may be dead-lettered.
        var id = await Celery.SendTaskAsync("interop.wait_for_cancellation", [20], new Dictionary<string, object>(), new CelerySendOptions { TimeLimit = 30, SoftTimeLimit = 1 });

        var call = await Cancellations.WaitAsync(id, Timeout);

        call.Cancelled.ShouldBeTrue("the soft time limit did not cancel the task's token");
        call.Elapsed.ShouldBeInRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));
        var dead = await _broker!.TryGetWithinAsync(_topology.DeadLetterQueue, TimeSpan.FromSeconds(3));
        dead.ShouldBeNull(
            $"the task returned normally after its soft limit, yet it was dead-lettered ({dead?.Header("x-taskflow-reason")}: {dead?.Header("x-taskflow-exception-message")}). " +
            "Celery's timelimit header is [time_limit, soft_time_limit]: TaskFlow applied the soft limit as the hard one.");
    }

    [Fact]
    public async Task SendTask_UnknownKeyword_IsDeadLetteredAsInvalidArguments()
    {
        var id = await Celery.SendTaskAsync("interop.add_numbers", [1, 2, 3], new Dictionary<string, object> { ["bogus"] = 1 });

        var dead = await _broker!.GetAsync(_topology.DeadLetterQueue, Timeout);

        dead.Header("id").ShouldBe(id);
        dead.Header("x-taskflow-reason").ShouldBe("invalid-arguments");
        dead.Header("x-taskflow-exception-message").ShouldNotBeNull().ShouldContain("bogus");
        Recorder.Ran(id).ShouldBeFalse();
    }
}
