using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Interop.Tests;

/// <summary>
/// The .NET side of the interop tests. Queues are not fixed here: each test sets
/// <see cref="TaskFlowOptions.DefaultQueue"/> to a queue of its own.
/// </summary>
public sealed partial class InteropTasks
{
    /// <summary>
    /// Sent by Celery (python/send_task.py), run by TaskFlow's worker. Keyword names accepted from Celery:
    /// first, second, third_value or thirdValue, scale, label.
    /// </summary>
    [Task(Name = "interop.add_numbers")]
    public static void AddNumbers(
        int first,
        int second,
        int thirdValue,
        [FromServices] CallRecorder<AddNumbersCall> recorder,
        TaskContext context,
        int scale = 1,
        string? label = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(context);
        recorder.Add(context.TaskId, new AddNumbersCall(
            (first + second + thirdValue) * scale,
            first,
            second,
            thirdValue,
            scale,
            label,
            context.TaskId,
            context.TaskName,
            context.Queue,
            context.RootId,
            context.ParentId,
            context.Retries,
            context.Eta,
            context.Expires,
            context.Headers));
    }

    /// <summary>
    /// Sent by Celery with <c>soft_time_limit</c>/<c>time_limit</c>: waits for its cancellation token (which the
    /// soft limit cancels) and returns normally either way.
    /// </summary>
    [Task(Name = "interop.wait_for_cancellation")]
    public static async Task WaitForCancellation(
        int maxSeconds,
        [FromServices] CallRecorder<CancellationCall> recorder,
        TaskContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(context);
        var clock = Stopwatch.StartNew();
        var cancelled = false;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(maxSeconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }

        recorder.Add(context.TaskId, new CancellationCall(context.TaskId, cancelled, clock.Elapsed));
    }

    /// <summary>
    /// Declared in .NET only to get a typed proxy; the Celery worker (python/taskflow_interop.py) runs it and
    /// writes what it received to a file. Its body is never run by .NET.
    /// </summary>
    [Task(Name = "interop.record")]
    public static void Record(
        string text,
        int count,
        double ratio,
        bool flag,
        string? nothing,
        IReadOnlyList<string> tags,
        Dictionary<string, int> scores,
        InteropPayload payload)
    {
        throw new NotSupportedException(
            $"interop.record runs on the Celery worker (python/taskflow_interop.py), not in .NET; got '{text}', {count}, {ratio}, {flag}, {nothing}, {tags.Count}, {scores.Count}, {payload}.");
    }
}

/// <summary>A nested object argument: serialized with TaskFlowOptions.SerializerOptions (web defaults: camelCase).</summary>
public sealed record InteropPayload(string Name, int Quantity, DateTimeOffset When, Guid Reference);

/// <summary>What one run of <see cref="InteropTasks.AddNumbers"/> saw.</summary>
public sealed record AddNumbersCall(
    int Sum,
    int First,
    int Second,
    int ThirdValue,
    int Scale,
    string? Label,
    string TaskId,
    string TaskName,
    string Queue,
    string? RootId,
    string? ParentId,
    int Retries,
    DateTimeOffset? Eta,
    DateTimeOffset? Expires,
    IReadOnlyDictionary<string, object?> Headers);

/// <summary>What one run of <see cref="InteropTasks.WaitForCancellation"/> saw.</summary>
public sealed record CancellationCall(string TaskId, bool Cancelled, TimeSpan Elapsed);

/// <summary>Collects the runs of one kind of interop task by task id (a singleton per test host).</summary>
/// <typeparam name="TCall">What a run records.</typeparam>
public sealed class CallRecorder<TCall>
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(TCall Call, DateTimeOffset At)>> _calls = new(StringComparer.Ordinal);

    /// <summary>How many runs were recorded.</summary>
    public int Count => _calls.Count(pair => pair.Value.Task.IsCompleted);

    internal void Add(string taskId, TCall call)
    {
        if (!Slot(taskId).TrySetResult((call, DateTimeOffset.UtcNow)))
        {
            throw new InvalidOperationException($"An interop task ran twice with task id {taskId}.");
        }
    }

    /// <summary>Waits for the run of task <paramref name="taskId"/>.</summary>
    public async Task<TCall> WaitAsync(string taskId, TimeSpan timeout) => (await WaitWithTimeAsync(taskId, timeout)).Call;

    /// <summary>Waits for the run of task <paramref name="taskId"/>; also returns when it was recorded.</summary>
    public async Task<(TCall Call, DateTimeOffset At)> WaitWithTimeAsync(string taskId, TimeSpan timeout)
    {
        try
        {
            return await Slot(taskId).Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"TaskFlow's worker did not run the task with Celery task id {taskId} within {timeout.TotalSeconds:0} s " +
                $"({Count} other run(s) recorded). See the test output for the worker log.");
        }
    }

    /// <summary>Whether task <paramref name="taskId"/> ran.</summary>
    public bool Ran(string taskId) => _calls.TryGetValue(taskId, out var slot) && slot.Task.IsCompleted;

    private TaskCompletionSource<(TCall Call, DateTimeOffset At)> Slot(string taskId) =>
        _calls.GetOrAdd(taskId, _ => new TaskCompletionSource<(TCall Call, DateTimeOffset At)>(TaskCreationOptions.RunContinuationsAsynchronously));
}
