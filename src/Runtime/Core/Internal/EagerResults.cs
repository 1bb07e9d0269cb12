using System;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core.Internal;

/// <summary>
/// Eager mode's results when there is no state store: the most recent <see cref="Capacity"/> tasks run inline, in
/// memory, so that <see cref="TaskHandle{TResult}.GetResultAsync"/> works in tests and development without a database.
/// A result makes the same JSON round trip as through a store. Older entries are dropped first.
/// </summary>
internal sealed class EagerResults : ITaskStateReader
{
    /// <summary>How many tasks' results are kept.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, TaskStateInfo> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private int _count; // _states.Count takes every lock of the dictionary: counted here instead
    private readonly JsonSerializerOptions _serializer;
    private readonly TimeProvider _time;

    public EagerResults(JsonSerializerOptions serializer, TimeProvider time)
    {
        _serializer = serializer;
        _time = time;
    }

    /// <summary>A task run inline succeeded with <paramref name="result"/> (<c>null</c>: none).</summary>
    public void Succeeded(TaskEnvelope envelope, int attempts, object? result)
    {
        var now = _time.GetUtcNow();
        var json = result is null ? null : JsonSerializer.Serialize(result, result.GetType(), _serializer);
        var info = new TaskStateInfo(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Succeeded, envelope.EntityKey, attempts,
            Worker: "eager", Error: null, ResultJson: json, CreatedAt: now, StartedAt: now, CompletedAt: now, UpdatedAt: now, ExpiresAt: DateTimeOffset.MaxValue);
        if (_states.TryAdd(envelope.Id, info))
        {
            _order.Enqueue(envelope.Id);
            Interlocked.Increment(ref _count);
            while (Volatile.Read(ref _count) > Capacity && _order.TryDequeue(out var oldest))
            {
                if (_states.TryRemove(oldest, out _))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
        else
        {
            _states[envelope.Id] = info;
        }
    }

    public Task<TaskStateInfo?> GetAsync(string taskId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_states.TryGetValue(taskId, out var info) ? info : null);

    public Task<TaskStateInfo> WaitAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Task.FromResult(Find(taskId));

    public Task<TResult> GetResultAsync<TResult>(string taskId, CancellationToken cancellationToken = default) =>
        Task.FromResult(ResultOf<TResult>(Find(taskId)));

    public Task<TResult> WaitForResultAsync<TResult>(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        GetResultAsync<TResult>(taskId, cancellationToken);

    private TaskStateInfo Find(string taskId) => _states.TryGetValue(taskId, out var info)
        ? info
        : throw new InvalidOperationException(
            $"TaskFlow eager mode: task [{taskId}] is not among the {Capacity} most recent tasks run inline (without a state store, eager mode keeps only those results in memory).");

    private TResult ResultOf<TResult>(TaskStateInfo info) =>
        info.ResultJson is null ? default! : JsonSerializer.Deserialize<TResult>(info.ResultJson, _serializer)!;
}
