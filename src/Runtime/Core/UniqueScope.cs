namespace TaskFlow;

/// <summary>
/// How long the key of a unique task (<c>[Task(Unique = "...")]</c>, <see cref="SendOptions.UniqueKey"/>) keeps a second
/// enqueue from sending another task: while that enqueue returns the existing task's handle instead. See
/// docs/flow-control.md#unique-tasks.
/// </summary>
public enum UniqueScope
{
    /// <summary>
    /// The default: until the task reaches a final state (succeeded, failed, revoked, expired, dead-lettered), or until
    /// <see cref="TaskAttribute.UniqueFor"/> ends when it is set.
    /// </summary>
    WhilePendingOrRunning = 0,

    /// <summary>
    /// Until the task starts (its <c>started</c> record: a new one may be enqueued while it runs), or until
    /// <see cref="TaskAttribute.UniqueFor"/> ends when it is set.
    /// </summary>
    WhilePending = 1,

    /// <summary><see cref="TaskAttribute.UniqueFor"/> seconds from the first enqueue, whatever the task's state (it must be set).</summary>
    ForPeriod = 2,
}
