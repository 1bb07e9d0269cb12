using System;

namespace TaskFlow.State.Internal;

/// <summary>A task lease as written (<see cref="TaskLeaseStatements.Acquire"/>) and as the reaper claims it. Property names are the SQL parameter names.</summary>
internal sealed class LeaseRow
{
    public required string TaskId { get; init; }

    public required string TaskName { get; init; }

    public required string Queue { get; init; }

    public required string Holder { get; init; }

    /// <summary>The fencing token (read back; the acquire statement sets it).</summary>
    public long Token { get; set; }

    public int Attempt { get; set; }

    /// <summary>The message's headers as JSON (<see cref="HeaderJson"/>), as the copy is to be sent.</summary>
    public required string Headers { get; init; }

    public required byte[] Body { get; init; }

    public DateTimeOffset Now { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
