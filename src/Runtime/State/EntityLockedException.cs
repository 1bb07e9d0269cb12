using System;

namespace TaskFlow.State;

/// <summary>
/// Thrown when an operation conflicts with an entity's pending work: a task enqueued with an
/// <see cref="SendOptions.EntityKey"/> while the entity is locked, or <see cref="TaskStateStore.LockEntityAsync"/>
/// while tasks for the entity are still pending or running (or another lease holds it).
/// </summary>
public sealed class EntityLockedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EntityLockedException(string entityKey, string reason, System.Collections.Generic.IReadOnlyList<string>? pendingTaskIds = null)
        : base($"TaskFlow: entity '{entityKey}' is locked: {reason}")
    {
        EntityKey = entityKey;
        Reason = reason;
        PendingTaskIds = pendingTaskIds ?? Array.Empty<string>();
    }

    /// <summary>Creates the exception.</summary>
    public EntityLockedException() : this("?", "locked") { }

    /// <summary>Creates the exception.</summary>
    public EntityLockedException(string message) : this("?", message) { }

    /// <summary>Creates the exception.</summary>
    public EntityLockedException(string message, Exception innerException) : base(message, innerException)
    {
        EntityKey = "?";
        Reason = message;
        PendingTaskIds = Array.Empty<string>();
    }

    /// <summary>The entity, e.g. <c>note:42</c>.</summary>
    public string EntityKey { get; }

    /// <summary>Why: which tasks are pending, or that a lease holds it.</summary>
    public string Reason { get; }

    /// <summary>The unfinished tasks working on the entity (up to 10), when that is the reason.</summary>
    public System.Collections.Generic.IReadOnlyList<string> PendingTaskIds { get; }
}
