using System;

namespace TaskFlow.State.Internal;

/// <summary>One outbox message row to insert. Property names are the SQL parameter names.</summary>
internal sealed class OutboxMessageRow
{
    public long TransactionId { get; set; }

    public int Seq { get; set; }

    public string TaskId { get; set; } = "";

    public string TaskName { get; set; } = "";

    public string Queue { get; set; } = "";

    public string Headers { get; set; } = "";

    public byte[] Body { get; set; } = [];

    public DateTimeOffset? Eta { get; set; }

    public short? Priority { get; set; }
}
