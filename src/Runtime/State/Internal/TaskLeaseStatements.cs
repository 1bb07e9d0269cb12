namespace TaskFlow.State.Internal;

/// <summary>
/// The statements on <c>task_lease</c> (<see cref="TaskLeases"/>): the leases of long-running tasks that run in lease
/// mode. A lease row holds the task's message (headers and body) so that a reaper can send it again when its
/// holder stops renewing; <c>token</c> grows by one with every new holder (fencing).
/// </summary>
/// <param name="Acquire">Inserts the lease, or takes over an expired one (token + 1); returns the token, or no row when a live holder has it.</param>
/// <param name="SelectHolder">The holder and expiry of a task's lease (<c>@TaskId</c>).</param>
/// <param name="Renew">The heartbeat: moves the expiry of the lease held with <c>@Token</c>; 0 rows: taken over.</param>
/// <param name="Release">Deletes the lease held with <c>@Token</c> (the run is over).</param>
/// <param name="Expire">Makes the lease held with <c>@Token</c> expire now (the run did not finish: the reaper sends the task again).</param>
/// <param name="ClaimExpired">Locks up to <c>@BatchSize</c> expired leases in the reaper's transaction, skipping rows other reapers hold.</param>
internal sealed record TaskLeaseStatements(
    string Acquire,
    string SelectHolder,
    string Renew,
    string Release,
    string Expire,
    string ClaimExpired);
