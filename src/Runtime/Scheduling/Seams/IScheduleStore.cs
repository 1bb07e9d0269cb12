using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Scheduling;

/// <summary>
/// What the scheduler needs of a database (implemented by the state store, registered by <c>AddStateStore</c>): the
/// scheduler lease with its fencing token, the code-declared schedules' upsert, the due schedules, and one step of one
/// schedule applied in one transaction (fence check, fire records, outbox rows, next fire).
/// </summary>
internal interface IScheduleStore
{
    /// <summary>Takes the lease <paramref name="leaseName"/> when it is free or expired: its token (one more than the last holder's), else <see langword="null"/>.</summary>
    Task<long?> TryAcquireLeaseAsync(string leaseName, string holder, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends a held lease; <see langword="false"/> when it was lost (expired or taken over: another token).</summary>
    Task<bool> RenewLeaseAsync(SchedulerLease lease, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives a held lease up at once (graceful stop), so another scheduler takes over without waiting for its expiry.</summary>
    Task ReleaseLeaseAsync(SchedulerLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Upserts the schedules declared in code, under a database lock: new ones are inserted; for existing ones the
    /// definition in code replaces the stored one (the next fire is computed again when the timing changed); paused
    /// stays paused, and the fire history is kept.
    /// </summary>
    Task<int> UpsertDeclaredAsync(IReadOnlyList<ScheduleDefinition> declared, CancellationToken cancellationToken);

    /// <summary>The schedules with a fire due at <paramref name="now"/> or a buffered fire, and the earliest next fire of all.</summary>
    Task<DueSchedules> GetDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Applies one step of one schedule in one transaction, fenced by the lease's token.</summary>
    Task<StepOutcome> ApplyAsync(SchedulerLease lease, ScheduleStep step, CancellationToken cancellationToken);
}
