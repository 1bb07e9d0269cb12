using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shouldly;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// Traces, metrics, log scopes and task lineage, in eager mode (the same processor and executor as a worker, no broker).
/// The broker path (trace context carried in the message headers) is tested in TaskFlow.Runtime.Tests.
/// </summary>
public sealed class TelemetryTests
{
    private static ServiceProvider Eager(ILoggerProvider? logs = null, Action<ILoggingBuilder>? logging = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(l =>
        {
            if (logs is not null)
            {
                l.AddProvider(logs);
            }

            logging?.Invoke(l);
        });
        services.AddTaskFlow(o => o.Eager = true).AddTaskFlowCoreTestsTasks();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_task_sent_inside_a_trace_gets_a_send_span_and_a_process_span_in_that_trace()
    {
        using var spans = new SpanRecorder();
        using var test = new ActivitySource("TaskFlow.Tests.Telemetry");
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();

        TaskHandle handle;
        ActivityTraceId trace;
        using (var request = test.StartActivity("web request", ActivityKind.Server)!)
        {
            trace = request.TraceId;
            handle = await tasks.Ok.DelayAsync(7);
        }

        var send = spans.Single(a => a.Kind == ActivityKind.Producer && Equals(a.GetTagItem("messaging.message.id"), handle.Id));
        var process = spans.Single(a => a.Kind == ActivityKind.Consumer && Equals(a.GetTagItem("messaging.message.id"), handle.Id));
        send.TraceId.ShouldBe(trace);
        send.DisplayName.ShouldBe("send telemetry");
        send.GetTagItem("messaging.system").ShouldBe("rabbitmq");
        send.GetTagItem("messaging.operation.type").ShouldBe("send");
        send.GetTagItem("messaging.destination.name").ShouldBe("telemetry");
        send.GetTagItem("taskflow.task.name").ShouldBe("telemetry.ok");
        process.TraceId.ShouldBe(trace, "the process span joins the trace the message carries");
        process.ParentSpanId.ShouldBe(send.SpanId);
        process.DisplayName.ShouldBe("process telemetry");
        process.GetTagItem("messaging.operation.type").ShouldBe("process");
        process.GetTagItem("taskflow.task.attempt").ShouldBe(1);
        process.GetTagItem("taskflow.task.outcome").ShouldBe("succeeded");
        process.Status.ShouldBe(ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task Retries_keep_the_trace_and_a_failure_marks_its_span_as_an_error()
    {
        using var spans = new SpanRecorder();
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        var handle = await tasks.Flaky.DelayAsync(key, 2);

        var runs = spans.Where(a => a.Kind == ActivityKind.Consumer && Equals(a.GetTagItem("messaging.message.id"), handle.Id)).ToList();
        runs.Select(a => a.GetTagItem("taskflow.task.outcome")).ShouldBe(["retried", "retried", "succeeded"], ignoreOrder: true);
        runs.Select(a => a.TraceId).Distinct().ShouldHaveSingleItem("every attempt is in the trace of the first send");
        runs.Where(a => Equals(a.GetTagItem("taskflow.task.outcome"), "retried")).ShouldAllBe(a => a.Status == ActivityStatusCode.Error && Equals(a.GetTagItem("error.type"), typeof(TimeoutException).FullName));

        await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Fail.DelayAsync("boom"));
        var failed = spans.Single(a => a.Kind == ActivityKind.Consumer && Equals(a.GetTagItem("taskflow.task.name"), "telemetry.fail"));
        failed.Status.ShouldBe(ActivityStatusCode.Error);
        failed.StatusDescription.ShouldBe("boom");
        failed.GetTagItem("taskflow.task.outcome").ShouldBe("dead_lettered");
    }

    [Fact]
    public async Task Outcomes_durations_and_sends_are_counted_by_task_queue_and_outcome()
    {
        using var metrics = new MetricRecorder();
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        await tasks.Flaky.DelayAsync(key, 1);
        await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Fail.DelayAsync("counted"));

        metrics.Sum("taskflow.tasks.processed", "telemetry.flaky", "retried").ShouldBe(1);
        metrics.Sum("taskflow.tasks.processed", "telemetry.flaky", "succeeded").ShouldBe(1);
        metrics.Sum("taskflow.tasks.processed", "telemetry.fail", "dead_lettered").ShouldBe(1);
        metrics.Count("taskflow.task.duration", "telemetry.flaky").ShouldBe(2);
        metrics.Sum("taskflow.tasks.sent", "telemetry.flaky").ShouldBe(1);
        metrics.Unit("taskflow.task.duration").ShouldBe("s");
    }

    [Fact]
    public async Task A_task_sent_from_a_running_task_gets_it_as_parent_and_its_root_as_root()
    {
        await using var provider = Eager();
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        var parent = await tasks.Parent.ApplyAsync(key, new SendOptions { TaskId = "parent-" + key, RootId = "root-" + key });

        var child = TelemetryTasks.Lineage[key];
        child.Parent.ShouldBe("parent-" + key);
        child.Root.ShouldBe("root-" + key);
        TaskContext.Current.ShouldBeNull("outside a task there is no current task");

        await tasks.Child.DelayAsync("outside-" + key);
        TelemetryTasks.Lineage["outside-" + key].Parent.ShouldBeNull();
        TelemetryTasks.Lineage["outside-" + key].Root.ShouldBe(TelemetryTasks.Lineage["outside-" + key].Id, "a task sent from outside is its own root");
        parent.Id.ShouldBe("parent-" + key);
    }

    [Fact]
    public async Task Lines_a_task_logs_carry_its_id_name_attempt_and_queue()
    {
        var logs = new ScopeCapturingProvider();
        await using var provider = Eager(logs);
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();

        var handle = await tasks.Logs.DelayAsync("hello");

        var line = logs.Lines.Single(l => l.Message == "task says hello");
        line.Scope["TaskId"].ShouldBe(handle.Id);
        line.Scope["TaskName"].ShouldBe("telemetry.logs");
        line.Scope["TaskAttempt"].ShouldBe(1);
        line.Scope["TaskQueue"].ShouldBe("telemetry");
    }

    [Fact]
    public async Task A_retry_is_logged_at_information_without_its_stack_and_the_final_failure_as_an_error_with_it()
    {
        var logs = new ScopeCapturingProvider();
        await using var provider = Eager(logs);
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        var handle = await tasks.Flaky.DelayAsync(key, 1);
        await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Fail.DelayAsync("final " + key));

        var retry = logs.Events.Single(e => e.EventId == 4007 && e.Message.Contains(handle.Id, StringComparison.Ordinal));
        retry.Level.ShouldBe(LogLevel.Information);
        retry.Exception.ShouldBeNull("a retry is expected: no stack trace");
        retry.Message.ShouldContain("(System.TimeoutException: flaky " + key + ")");
        var failure = logs.Events.Single(e => e.EventId == 4002 && e.Message.Contains("telemetry.fail", StringComparison.Ordinal));
        failure.Level.ShouldBe(LogLevel.Error);
        failure.Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("final " + key);
    }

    [Fact]
    public async Task Each_settled_delivery_gets_one_summary_line_at_information_unless_its_task_opts_out()
    {
        var logs = new ScopeCapturingProvider();
        await using var provider = Eager(logs);
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        var ok = await tasks.Ok.DelayAsync(3);
        var flaky = await tasks.Flaky.DelayAsync(key, 1);
        await Should.ThrowAsync<InvalidOperationException>(async () => await tasks.Fail.DelayAsync("summed up " + key));
        var quiet = await tasks.Quiet.DelayAsync(4);

        var summaries = logs.Structured.Where(e => e.EventId == 4009).ToList();
        summaries.ShouldAllBe(e => e.Category == "TaskFlow.Tasks.Summary");
        logs.Events.Where(e => e.EventId == 4009).ShouldAllBe(e => e.Level == LogLevel.Information);
        var okLine = summaries.Single(e => Equals(e.Values["TaskId"], ok.Id));
        okLine.Values["TaskName"].ShouldBe("telemetry.ok");
        okLine.Values["Outcome"].ShouldBe("succeeded");
        okLine.Values["Attempt"].ShouldBe(1);
        okLine.Values["Queue"].ShouldBe("telemetry");
        okLine.Values["ElapsedMs"].ShouldBeOfType<double>().ShouldBeGreaterThanOrEqualTo(0);
        okLine.Scope["TaskId"].ShouldBe(ok.Id, "inside the task's log scope");
        logs.Events.Single(e => e.EventId == 4009 && e.Message.Contains(ok.Id, StringComparison.Ordinal)).Message
            .ShouldMatch(@"^Task telemetry\.ok \[" + ok.Id + @"\] succeeded in [0-9.]+ ms: attempt 1, queue telemetry$");
        summaries.Where(e => Equals(e.Values["TaskId"], flaky.Id)).Select(e => $"{e.Values["Outcome"]}@{e.Values["Attempt"]}")
            .ShouldBe(["retried@1", "succeeded@2"]);
        summaries.Single(e => Equals(e.Values["TaskName"], "telemetry.fail")).Values["Outcome"].ShouldBe("dead_lettered");
        summaries.ShouldNotContain(e => Equals(e.Values["TaskId"], quiet.Id), "[Task(LogSummary = false)]");
    }

    [Fact]
    public async Task The_summary_lines_are_turned_off_by_their_categorys_level_and_failures_are_still_logged()
    {
        var logs = new ScopeCapturingProvider();
        await using var provider = Eager(logs, l => l.AddFilter("TaskFlow.Tasks.Summary", LogLevel.Warning));
        var tasks = provider.GetRequiredService<TelemetryTasks.Client>();
        var key = Guid.NewGuid().ToString("N");

        await tasks.Ok.DelayAsync(5);
        await tasks.Flaky.DelayAsync(key, 1);

        logs.Events.ShouldNotContain(e => e.EventId == 4009);
        logs.Events.ShouldContain(e => e.EventId == 4007 && e.Message.Contains(key, StringComparison.Ordinal), "the retry (category TaskFlow.Tasks) is still logged");
    }

    /// <summary>Every TaskFlow span stopped while it listens.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is "TaskFlow" or "TaskFlow.Tests.Telemetry",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity => _stopped.Enqueue(activity),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IEnumerable<Activity> Where(Func<Activity, bool> predicate) => _stopped.Where(predicate);

        public Activity Single(Func<Activity, bool> predicate) => _stopped.Single(predicate);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>TaskFlow's measurements while it listens, by instrument.</summary>
    private sealed class MetricRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags)> _measurements = new();

        public MetricRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "TaskFlow")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public double Sum(string instrument, string task, string? outcome = null) =>
            Matching(instrument, task, outcome).Sum(m => m.Value);

        public int Count(string instrument, string task) => Matching(instrument, task, null).Count();

        public string? Unit(string instrument) => _measurements.First(m => m.Instrument == instrument).Unit;

        public void Dispose() => _listener.Dispose();

        private IEnumerable<(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags)> Matching(string instrument, string task, string? outcome) =>
            _measurements.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("taskflow.task.name"), task)
                && (outcome is null || Equals(m.Tags.GetValueOrDefault("taskflow.task.outcome"), outcome)));

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, tag) in tags)
            {
                copy[key] = tag;
            }

            _measurements.Enqueue((instrument.Name, instrument.Unit, value, copy));
        }
    }

    /// <summary>A logger provider that keeps each line with the values of the scopes around it.</summary>
    private sealed class ScopeCapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Message, Dictionary<string, object?> Scope)> Lines { get; } = new();

        public ConcurrentQueue<(int EventId, LogLevel Level, Exception? Exception, string Message)> Events { get; } = new();

        /// <summary>Each line's event id, category, scope and structured values.</summary>
        public ConcurrentQueue<(int EventId, string Category, Dictionary<string, object?> Scope, Dictionary<string, object?> Values)> Structured { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
                owner._scopes.ForEachScope(
                    static (value, values) =>
                    {
                        if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            foreach (var (key, item) in pairs)
                            {
                                values[key] = item;
                            }
                        }
                    },
                    scope);
                owner.Lines.Enqueue((formatter(state, exception), scope));
                owner.Events.Enqueue((eventId.Id, logLevel, exception, formatter(state, exception)));
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, item) in pairs)
                    {
                        values[key] = item;
                    }
                }

                owner.Structured.Enqueue((eventId.Id, category, scope, values));
            }
        }
    }
}
