using System;

namespace TaskFlow.State;

/// <summary>
/// One operator action in the state store's audit log (schema version 7): who did what to which target, when, and how it
/// went. Written by the dashboard for every action it carries out (<see cref="TaskStateStore.AppendAuditAsync"/>).
/// </summary>
/// <param name="At">When the action was carried out.</param>
/// <param name="UserName">Who: the signed-in user's name, or <c>anonymous</c> (with the remote address) where there is none.</param>
/// <param name="Action">What, e.g. <c>dead.redrive</c>, <c>task.revoke</c>, <c>queue.purge</c>.</param>
/// <param name="Target">What it was done to: a queue, task ids, a filter.</param>
/// <param name="Detail">Parameters of the action (filters, counts asked for), if any.</param>
/// <param name="Outcome">What happened (e.g. <c>re-drove 3 of 3</c>, or the error).</param>
public sealed record AuditEntry(DateTimeOffset At, string UserName, string Action, string Target, string? Detail, string? Outcome)
{
    /// <summary>The entry's number in the log (assigned by the database; 0 before it is written).</summary>
    public long Id { get; init; }
}
