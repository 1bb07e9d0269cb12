using System;

namespace TaskFlow.Hosting;

/// <summary>How one queue is consumed (<see cref="TaskFlowWorkerOptions.Queues"/>).</summary>
public sealed class WorkerQueueOptions
{
    /// <summary>The TaskFlow queue name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Tasks run at once from this queue (1-1024).</summary>
    /// <value>Default: the processor count.</value>
    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>Unacknowledged messages the broker may push ahead (1-65535, at least <see cref="Concurrency"/>). Keep it low for long tasks.</summary>
    /// <value>
    /// Default <c>null</c>: 4 x <see cref="Concurrency"/>; with a state store at least <see cref="Concurrency"/> +
    /// max(<see cref="Concurrency"/>, 64), what the worker dispatches at once then (<see cref="PrefetchWith"/>). The same
    /// whether the queue comes from <see cref="TaskFlowWorkerOptions.AddQueue"/> or from configuration.
    /// </value>
    public int? Prefetch { get; set; }

    /// <summary>The prefetch in effect without a state store: <see cref="Prefetch"/>, or 4 x <see cref="Concurrency"/> when it is not set.</summary>
    public int EffectivePrefetch => PrefetchWith(stateStore: false);

    /// <summary>
    /// The prefetch in effect: <see cref="Prefetch"/> when set; else 4 x <see cref="Concurrency"/>, and with a state store
    /// (<paramref name="stateStore"/>) at least <see cref="Concurrency"/> + max(<see cref="Concurrency"/>, 64): the
    /// messages a worker with a store processes at once (the runs, plus the state reads and group commits that overlap
    /// them), so that none of that overlap waits on the broker (docs/configuration.md, worker options). At most 65,535.
    /// </summary>
    public int PrefetchWith(bool stateStore)
    {
        if (Prefetch is { } prefetch)
        {
            return prefetch;
        }

        var perSlot = Concurrency * TaskFlowDefaults.PrefetchPerSlot;
        return Math.Min(ushort.MaxValue, stateStore ? Math.Max(perSlot, Concurrency + Math.Max(Concurrency, TaskFlowDefaults.StoreDispatchAhead)) : perSlot);
    }
}
