namespace TaskFlow.State.Internal;

/// <summary>The statements on entities: leases, and the unfinished tasks of an entity (<see cref="EntityLeases"/>).</summary>
/// <param name="LockResource">Serializes enqueues and lock attempts of one entity for the transaction (parameter <c>@Resource</c>).</param>
/// <param name="Select">The lease on an entity, if any.</param>
/// <param name="SelectUnfinished">Up to 10 unfinished, unexpired tasks of an entity.</param>
/// <param name="Replace">Takes or renews the lease on an entity.</param>
/// <param name="Delete">Releases a lease (only the holder's).</param>
/// <param name="DeleteExpired">Deletes one batch of expired leases (<c>@BatchSize</c>).</param>
/// <param name="RevokeUnfinished">Revokes every unfinished task of an entity and returns their ids.</param>
internal sealed record EntityLeaseStatements(
    string LockResource,
    string Select,
    string SelectUnfinished,
    string Replace,
    string Delete,
    string DeleteExpired,
    string RevokeUnfinished);
