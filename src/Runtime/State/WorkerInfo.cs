using System;
using System.Collections.Generic;

namespace TaskFlow.State;

/// <summary>A worker as it last recorded itself in the state store (<see cref="ITaskStateStore.GetWorkersAsync"/>).</summary>
/// <param name="Name">The worker's name (<c>TaskFlowWorkerOptions.WorkerName</c>, host:pid by default).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="ProcessId">Its process id.</param>
/// <param name="Version">The TaskFlow version it runs.</param>
/// <param name="Queues">The queues it consumes.</param>
/// <param name="Concurrency">Its task slots over all queues.</param>
/// <param name="InFlight">Deliveries it was processing at its last heartbeat.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="LastSeenAt">Its last heartbeat.</param>
/// <param name="StoppedAt">When it stopped gracefully; <c>null</c> while it runs or when it died.</param>
/// <param name="Status">Running, stopped, or lost (no heartbeat for three intervals and not stopped: killed, or cut off).</param>
public sealed record WorkerInfo(
    string Name,
    string Host,
    int ProcessId,
    string? Version,
    IReadOnlyList<string> Queues,
    int Concurrency,
    int InFlight,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? StoppedAt,
    WorkerStatus Status)
{
    /// <summary>The queues among <see cref="Queues"/> that were paused at its last heartbeat (not consumed until resumed; schema version 8).</summary>
    public IReadOnlyList<string> PausedQueues { get; init; } = [];
}
