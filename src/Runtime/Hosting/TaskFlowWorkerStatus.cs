using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace TaskFlow.Hosting;

/// <summary>Whether each queue of this worker has a live consumer: the "connected but idle" signal for health checks.</summary>
public sealed class TaskFlowWorkerStatus
{
    private readonly ConcurrentDictionary<string, bool> _consuming = new(StringComparer.Ordinal);

    /// <summary>Queue name to whether the broker currently delivers to this worker's consumer on it.</summary>
    public IReadOnlyDictionary<string, bool> Queues => _consuming.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    /// <summary>True when every configured queue has a live consumer.</summary>
    public bool AllConsuming => !_consuming.IsEmpty && _consuming.Values.All(consuming => consuming);

    internal void Set(string queue, bool consuming) => _consuming[queue] = consuming;
}
