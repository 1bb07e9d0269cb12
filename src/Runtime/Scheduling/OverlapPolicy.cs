namespace TaskFlow.Scheduling;

/// <summary>
/// What a schedule does when a fire is due while the task of its previous fire has not reached a final state
/// (succeeded, failed, revoked, expired, dead-lettered), as the state store records it. The names are Temporal's.
/// </summary>
public enum OverlapPolicy
{
    /// <summary>The fire is skipped (recorded as skipped). The default.</summary>
    Skip = 0,

    /// <summary>The fire waits until the previous one is final; at most one fire waits, further ones are skipped.</summary>
    BufferOne = 1,

    /// <summary>Every fire waits, in order, until the one before it is final.</summary>
    BufferAll = 2,

    /// <summary>The previous fire's task is revoked (a running task's token is cancelled) and the new fire is sent.</summary>
    CancelOther = 3,

    /// <summary>The fire is sent whatever the previous one is doing: runs may overlap.</summary>
    AllowAll = 4,
}
