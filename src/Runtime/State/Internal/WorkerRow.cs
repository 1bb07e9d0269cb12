using System;

namespace TaskFlow.State.Internal;

/// <summary>One worker heartbeat as written. Property names are the SQL parameter names.</summary>
internal sealed class WorkerRow
{
    public required string Name { get; init; }

    public required string Host { get; init; }

    public int ProcessId { get; init; }

    public string? Version { get; init; }

    public required string Queues { get; init; }

    public int Concurrency { get; init; }

    public int InFlight { get; set; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset Now { get; set; }
}
