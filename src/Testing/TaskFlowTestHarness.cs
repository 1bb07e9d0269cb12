using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TaskFlow.Infrastructure;
using TaskFlow.State;

namespace TaskFlow.Testing;

/// <summary>
/// TaskFlow's test harness (<c>services.AddTaskFlowTestHarness()</c>). In-process (the default) it takes the transport's
/// place: it records every task sent (<see cref="Sent"/>) and runs nothing until the test says so
/// (<see cref="RunAllAsync"/>, <see cref="RunNextAsync"/>, <see cref="RunUntilIdleAsync"/>), through the runtime's own
/// codec, executor, retry policy and settlement, on a <see cref="FakeTimeProvider"/> (<see cref="Time"/>): countdowns and
/// retry backoffs become due only when the test advances time. With <see cref="TaskFlowTestHarnessOptions.UseTransport"/>
/// it records what the real transport sent and follows the worker through telemetry (<see cref="Track"/>).
/// </summary>
public sealed class TaskFlowTestHarness : ITaskMessageSink, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly TaskFlowTestHarnessOptions _options;
    private readonly FakeTimeProvider? _time;
    private readonly object _gate = new();
    private readonly List<SentTask> _sent = [];
    private readonly Dictionary<string, SentTask> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Attempt, string Outcome)>> _earlyRuns = new(StringComparer.Ordinal);
    private readonly List<Scheduled> _scheduled = [];
    private readonly List<TaskRun> _runs = [];
    private readonly Dictionary<string, Queue<Func<TaskDescriptor?, Exception>>> _faults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<TaskDescriptor?, Exception>> _standingFaults = new(StringComparer.Ordinal);
    private readonly WorkerObserver? _observer;
    private TaskMessageRunner? _runner;
    private long _sequence;

    internal TaskFlowTestHarness(IServiceProvider services, TaskFlowTestHarnessOptions options, FakeTimeProvider? time)
    {
        _services = services;
        _options = options;
        _time = time;
        Sent = new SentTasks(this);
        if (options.UseTransport)
        {
            _observer = new WorkerObserver(this);
        }
    }

    /// <summary>Every task sent so far, in order; typed accessors per task are generated on it.</summary>
    public SentTasks Sent { get; }

    /// <summary>Whether the harness runs tasks itself (in-process) rather than a worker through a real transport.</summary>
    public bool InProcess => !_options.UseTransport;

    /// <summary>
    /// The service provider's clock (in-process): advance it (<see cref="AdvanceTime"/>) to make countdowns, ETAs and
    /// retry backoffs due.
    /// </summary>
    public FakeTimeProvider Time => _time ?? throw NotInProcess(nameof(Time));

    /// <summary>Every run so far, in order (in-process runs, or what workers did with recorded tasks in tracked mode).</summary>
    public IReadOnlyList<TaskRun> Runs
    {
        get
        {
            lock (_gate)
            {
                return _runs.ToArray();
            }
        }
    }

    /// <summary>Tasks waiting to run (in-process): sent and not yet run, or retries not yet run, due or not.</summary>
    public IReadOnlyList<SentTask> Pending
    {
        get
        {
            lock (_gate)
            {
                return _scheduled.OrderBy(s => s.Due).ThenBy(s => s.Sequence).Select(s => s.Task).ToArray();
            }
        }
    }

    /// <summary>Moves the clock forward by <paramref name="by"/> (in-process); nothing runs until a run method is called.</summary>
    public void AdvanceTime(TimeSpan by) => Time.Advance(by);

    /// <summary>
    /// Makes the next <paramref name="times"/> runs of <paramref name="taskName"/> fail with <paramref name="exception"/>
    /// (a new <see cref="InvalidOperationException"/> when <c>null</c>) instead of running its code. The retry policy and
    /// the settlement treat it as the task's own failure.
    /// </summary>
    public void FailNext(string taskName, Exception? exception = null, int times = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        AddFault(taskName, _ => exception ?? new InvalidOperationException($"TaskFlow.Testing: a failure injected into '{taskName}'."), times);
    }

    /// <summary>Makes the next run of <paramref name="taskName"/> fail with a new <typeparamref name="TException"/>.</summary>
    public void FailNext<TException>(string taskName, int times = 1)
        where TException : Exception, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        AddFault(taskName, _ => new TException(), times);
    }

    /// <summary>Makes every run of <paramref name="taskName"/> fail with <paramref name="exception"/> until <see cref="ClearFaults"/>.</summary>
    public void Fail(string taskName, Exception exception)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentNullException.ThrowIfNull(exception);
        lock (_gate)
        {
            _standingFaults[taskName] = _ => exception;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="times"/> runs of <paramref name="taskName"/> exceed their time limit: they end
    /// with <see cref="TaskTimeLimitExceededException"/> (the task's <c>TimeLimit</c>, else its soft limit), as a run
    /// stopped by its limit does; dead-lettered as <c>time_limit_exceeded</c> unless the retry policy retries it.
    /// </summary>
    public void TimeOutNext(string taskName, int times = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        AddFault(taskName, task => new TaskTimeLimitExceededException(taskName, task?.TimeLimit ?? task?.SoftTimeLimit ?? TimeSpan.Zero), times);
    }

    /// <summary>Removes every injected failure and time-out.</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
            _standingFaults.Clear();
        }
    }

    /// <summary>Forgets what was sent, run and scheduled (for a harness shared by several tests); faults stay.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _sent.Clear();
            _byId.Clear();
            _earlyRuns.Clear();
            _scheduled.Clear();
            _runs.Clear();
        }
    }

    /// <summary>
    /// Runs, once each and in order, the tasks due now (their countdown or retry backoff elapsed on <see cref="Time"/>);
    /// not the tasks those send, nor retries they cause. Returns the runs.
    /// </summary>
    public async Task<IReadOnlyList<TaskRun>> RunAllAsync(CancellationToken cancellationToken = default)
    {
        EnsureInProcess(nameof(RunAllAsync));
        List<Scheduled> due;
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            due = _scheduled.Where(s => s.Due <= now).OrderBy(s => s.Due).ThenBy(s => s.Sequence).ToList();
        }

        var runs = new List<TaskRun>(due.Count);
        foreach (var next in due)
        {
            lock (_gate)
            {
                if (!_scheduled.Remove(next))
                {
                    continue;
                }
            }

            runs.Add(await RunAsync(next, cancellationToken).ConfigureAwait(false));
        }

        return runs;
    }

    /// <summary>
    /// Runs the first task due now (of <paramref name="taskName"/> when given), in the order they became due; <c>null</c>
    /// when none is due.
    /// </summary>
    public async Task<TaskRun?> RunNextAsync(string? taskName = null, CancellationToken cancellationToken = default)
    {
        EnsureInProcess(nameof(RunNextAsync));
        Scheduled? next;
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            next = _scheduled
                .Where(s => s.Due <= now && (taskName is null || string.Equals(s.Task.TaskName, taskName, StringComparison.Ordinal)))
                .OrderBy(s => s.Due).ThenBy(s => s.Sequence)
                .FirstOrDefault();
            if (next is null)
            {
                return null;
            }

            _scheduled.Remove(next);
        }

        return await RunAsync(next, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs due tasks until none is due: the tasks they send and the retries whose backoff has elapsed too. Time does not
    /// move: a retry with a backoff, or a countdown, waits until <see cref="AdvanceTime"/>. Returns the runs; throws
    /// <see cref="InvalidOperationException"/> after <see cref="TaskFlowTestHarnessOptions.MaxRunsUntilIdle"/> runs.
    /// </summary>
    public async Task<IReadOnlyList<TaskRun>> RunUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        EnsureInProcess(nameof(RunUntilIdleAsync));
        var runs = new List<TaskRun>();
        while (await RunNextAsync(null, cancellationToken).ConfigureAwait(false) is { } run)
        {
            runs.Add(run);
            if (runs.Count >= _options.MaxRunsUntilIdle)
            {
                throw new InvalidOperationException(
                    $"TaskFlow.Testing: still not idle after {runs.Count} runs (MaxRunsUntilIdle); the last was {run}. Does a task send itself again each time it runs?");
            }
        }

        return runs;
    }

    /// <summary>
    /// Publishes the outbox messages whose transactions committed, through the harness (the state store's relay pass,
    /// <c>TaskStateStore.PublishOutboxAsync</c>): only then do they appear in <see cref="Sent"/>. Returns how many outbox
    /// transactions were published. Needs <c>AddStateStore</c>.
    /// </summary>
    public Task<int> PublishOutboxAsync(CancellationToken cancellationToken = default) =>
        (_services.GetService<TaskStateStore>()
            ?? throw new InvalidOperationException("TaskFlow.Testing: there is no state store (AddStateStore), so there is no outbox to publish."))
        .PublishOutboxAsync(cancellationToken);

    /// <summary>
    /// Starts a tracked session: the work an action causes (tasks it sends, the tasks those send, retries) is followed
    /// until it is done (<see cref="TrackedSession.WaitUntilIdleAsync"/>). In-process the session runs it; with a real
    /// transport it waits for the worker, following TaskFlow's telemetry in this process (the action's trace).
    /// Call it synchronously before the action (<c>await using var session = harness.Track();</c>).
    /// </summary>
    public TrackedSession Track()
    {
        int start;
        lock (_gate)
        {
            start = _sent.Count;
        }

        return _observer is null ? new TrackedSession(this, start, null) : _observer.Start(start);
    }

    ValueTask ITaskMessageSink.SendAsync(TaskMessage message, CancellationToken cancellationToken)
    {
        Record(message);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _observer?.Dispose();

    internal IReadOnlyList<SentTask> Snapshot()
    {
        lock (_gate)
        {
            return _sent.ToArray();
        }
    }

    internal IReadOnlyList<SentTask> SentSince(int start)
    {
        lock (_gate)
        {
            return _sent.Skip(start).ToArray();
        }
    }

    /// <summary>A worker processed a recorded task (tracked mode, from its process span).</summary>
    internal void Observed(string taskId, int attempt, string outcome, bool inSession)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(taskId, out var task))
            {
                var run = new TaskRun(task, attempt, outcome, null);
                task.AddRun(run);
                _runs.Add(run);
            }
            else if (inSession)
            {
                // Processed before the send's confirm reached the harness: applied when it does.
                if (!_earlyRuns.TryGetValue(taskId, out var early))
                {
                    _earlyRuns[taskId] = early = [];
                }

                early.Add((attempt, outcome));
            }
        }
    }

    private void Record(TaskMessage message)
    {
        var registry = _services.GetRequiredService<TaskRegistry>();
        var serializer = _services.GetRequiredService<IOptions<TaskFlowOptions>>().Value.SerializerOptions;
        var now = (_time ?? TimeProvider.System).GetUtcNow();
        var task = new SentTask(message, now, registry.TryGet(message.TaskName, out var descriptor) ? descriptor : null, serializer);
        lock (_gate)
        {
            _sent.Add(task);
            _byId[task.Id] = task;
            if (_earlyRuns.Remove(task.Id, out var early))
            {
                foreach (var run in early)
                {
                    var copy = new TaskRun(task, run.Attempt, run.Outcome, null);
                    task.AddRun(copy);
                    _runs.Add(copy);
                }
            }

            if (InProcess)
            {
                _scheduled.Add(new Scheduled(task, 0, message.Eta is { } eta && eta > now ? eta : now, _sequence++));
            }
        }
    }

    private async Task<TaskRun> RunAsync(Scheduled next, CancellationToken cancellationToken)
    {
        var task = next.Task;
        var registry = _services.GetRequiredService<TaskRegistry>();
        var fault = TakeFault(task.TaskName, registry.TryGet(task.TaskName, out var descriptor) ? descriptor : null);
        _runner ??= _services.GetRequiredService<TaskMessageRunner>();
        var result = await _runner.RunAsync(task.Message, next.Retries, fault, cancellationToken).ConfigureAwait(false);
        var run = new TaskRun(task, next.Retries + 1, result.Outcome, result);
        task.AddRun(run);
        lock (_gate)
        {
            _runs.Add(run);
            var now = Time.GetUtcNow();
            switch (result.Outcome)
            {
                case "retried":
                    _scheduled.Add(new Scheduled(task, result.Retries, now + (result.RetryDelay ?? TimeSpan.Zero), _sequence++));
                    break;
                case "deferred":
                case "handed_back":
                    _scheduled.Add(new Scheduled(task, next.Retries, result.DeferUntil is { } until && until > now ? until : now, _sequence++));
                    break;
            }
        }

        return run;
    }

    private void AddFault(string taskName, Func<TaskDescriptor?, Exception> fault, int times)
    {
        lock (_gate)
        {
            if (!_faults.TryGetValue(taskName, out var queue))
            {
                _faults[taskName] = queue = new Queue<Func<TaskDescriptor?, Exception>>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    private Exception? TakeFault(string taskName, TaskDescriptor? task)
    {
        lock (_gate)
        {
            if (_faults.TryGetValue(taskName, out var queue) && queue.TryDequeue(out var next))
            {
                return next(task);
            }

            return _standingFaults.TryGetValue(taskName, out var standing) ? standing(task) : null;
        }
    }

    private void EnsureInProcess(string member)
    {
        if (!InProcess)
        {
            throw NotInProcess(member);
        }
    }

    private static InvalidOperationException NotInProcess(string member) =>
        new($"TaskFlow.Testing: {member} is for the in-process harness; this one uses the real transport (UseTransport), where the worker runs tasks on real time. Use Track() and WaitUntilIdleAsync instead.");

    private sealed record Scheduled(SentTask Task, int Retries, DateTimeOffset Due, long Sequence);
}
