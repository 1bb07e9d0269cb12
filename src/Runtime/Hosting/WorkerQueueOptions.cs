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
    /// <value>Default <c>null</c>: 4 x <see cref="Concurrency"/>, whether the queue comes from <see cref="TaskFlowWorkerOptions.AddQueue"/> or from configuration.</value>
    public int? Prefetch { get; set; }

    /// <summary>The prefetch in effect: <see cref="Prefetch"/>, or 4 x <see cref="Concurrency"/> when it is not set.</summary>
    public int EffectivePrefetch => Prefetch ?? Math.Min(ushort.MaxValue, Concurrency * TaskFlowDefaults.PrefetchPerSlot);
}
