using System;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow;

/// <summary>
/// A running task's checkpoint (<see cref="TaskContext.Checkpoints"/>): one JSON value per task id in the state store,
/// kept across retries, redeliveries and lease re-sends of the same task id, so that a long task resumes after a crash
/// instead of starting over (Sidekiq's iterable jobs, DBOS steps). Serialized with <c>TaskFlowOptions.SerializerOptions</c>.
/// </summary>
public sealed class TaskCheckpoints
{
    private readonly TaskContext _context;
    private readonly JsonSerializerOptions _serializer;

    internal TaskCheckpoints(TaskContext context, JsonSerializerOptions serializer)
    {
        _context = context;
        _serializer = serializer;
    }

    /// <summary>
    /// Saves <paramref name="state"/> as the task's checkpoint, replacing the last one. In the task's transaction when it
    /// opened one (<see cref="TaskContext.GetTransactionAsync(CancellationToken)"/>): then it commits with the task's work
    /// (and is rolled back with it); else at once. Needs a state store.
    /// </summary>
    public ValueTask SaveAsync<T>(T state, CancellationToken cancellationToken = default)
    {
        var run = _context.RequireRun("a checkpoint");
        var json = JsonSerializer.Serialize(state, _serializer);
        return run.SaveCheckpointAsync(json, cancellationToken);
    }

    /// <summary>The task's last saved checkpoint, or <c>default</c> when it has none (its first run). Needs a state store.</summary>
    public async ValueTask<T?> LoadAsync<T>(CancellationToken cancellationToken = default)
    {
        var run = _context.RequireRun("a checkpoint");
        var json = await run.LoadCheckpointAsync(cancellationToken).ConfigureAwait(false);
        return json is null ? default : JsonSerializer.Deserialize<T>(json, _serializer);
    }
}
