namespace TaskFlow.State.Internal;

/// <summary>One outbox message row as read back (provider types vary: converted by the relay).</summary>
internal sealed class OutboxMessageRead
{
    public object? TransactionId { get; set; }

    public object? Seq { get; set; }

    public string TaskId { get; set; } = "";

    public string TaskName { get; set; } = "";

    public string Queue { get; set; } = "";

    public string Headers { get; set; } = "";

    public byte[] Body { get; set; } = [];

    public object? Eta { get; set; }

    public object? Priority { get; set; }
}
