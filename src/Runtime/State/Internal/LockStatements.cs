namespace TaskFlow.State.Internal;

/// <summary>The statements on lock permits (<c>lock_slot</c>, <see cref="LockSlots"/>).</summary>
/// <param name="Acquire">Takes a free or expired permit (<c>@Name</c>, <c>@Slot</c>); returns the new fencing token, nothing when it is held.</param>
/// <param name="Renew">Moves a held permit's expiry; only the holder's token (<c>@Token</c>) matches.</param>
/// <param name="Release">Releases a held permit (expires it, keeping its token for the next holder).</param>
/// <param name="SelectHeld">The live permits of a resource, for operators.</param>
/// <param name="DeleteExpired">Deletes one batch of long-expired permits (<c>@BatchSize</c>, <c>@Before</c>).</param>
internal sealed record LockStatements(
    string Acquire,
    string Renew,
    string Release,
    string SelectHeld,
    string DeleteExpired);
