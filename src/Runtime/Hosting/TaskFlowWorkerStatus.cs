using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace TaskFlow.Hosting;

/// <summary>
/// Whether each queue of this worker has a live consumer: the "connected but idle" signal for health checks. A queue
/// an operator paused (<c>TaskStateStore.PauseQueueAsync</c>) has no consumer on purpose: it is listed in
/// <see cref="PausedQueues"/> and counts as healthy.
/// </summary>
public sealed class TaskFlowWorkerStatus
{
    private readonly ConcurrentDictionary<string, bool> _consuming = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _paused = new(StringComparer.Ordinal);

    /// <summary>Queue name to whether the broker currently delivers to this worker's consumer on it.</summary>
    public IReadOnlyDictionary<string, bool> Queues => _consuming.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    /// <summary>The queues of this worker that are paused now (not consumed until resumed), by name.</summary>
    public IReadOnlyList<string> PausedQueues => _paused.Keys.OrderBy(q => q, StringComparer.Ordinal).ToList();

    /// <summary>True when every configured queue has a live consumer or is paused.</summary>
    public bool AllConsuming => !_consuming.IsEmpty && _consuming.All(pair => pair.Value || _paused.ContainsKey(pair.Key));

    internal void Set(string queue, bool consuming) => _consuming[queue] = consuming;

    internal void SetPaused(string queue, bool paused)
    {
        if (paused)
        {
            _paused[queue] = true;
            _consuming[queue] = false;
        }
        else
        {
            _paused.TryRemove(queue, out _);
        }
    }
}
