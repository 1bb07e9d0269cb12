using System.Collections.Generic;

namespace TaskFlow.Core.Probes;

/// <summary>
/// The instances of <typeparamref name="T"/> running in this process (added when they start, removed when they stop),
/// for instruments created once per process that observe all of them (<see cref="ProbeGauge"/>, <see cref="QueueHeartbeat"/>).
/// </summary>
internal sealed class ActiveSet<T>
    where T : class
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];

    public void Add(T item)
    {
        lock (_gate)
        {
            _items.Add(item);
        }
    }

    public void Remove(T item)
    {
        lock (_gate)
        {
            _items.Remove(item);
        }
    }

    /// <summary>A copy of the instances now, to read outside the lock.</summary>
    public List<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }
}
