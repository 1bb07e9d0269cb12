using System;

namespace TaskFlow.State.Internal;

/// <summary>
/// A write of a running task's progress or checkpoint (<see cref="TaskStateStatements.UpsertProgress"/>,
/// <see cref="TaskStateStatements.UpsertCheckpoint"/>): the columns of the started record inserted when there is none
/// yet, and the value. Property names are the SQL parameter names.
/// </summary>
internal sealed class RunWrite
{
    public required string TaskId { get; init; }

    public string? TaskName { get; init; }

    public string? Queue { get; init; }

    public int Attempts { get; init; }

    public string? Worker { get; init; }

    public DateTimeOffset Now { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public long Done { get; set; }

    public long? Total { get; set; }

    public string? Message { get; set; }

    public string? Checkpoint { get; set; }
}
