using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// Where rate limits keep their state across workers: per key, two GCRA clocks on one row, the arrival schedule
/// (<c>tat</c>: when a waiting task comes back) and the starts (<c>start_tat</c>). Implemented by the state store
/// (<c>rate_limit</c>, one atomic upsert per call). Times are ticks (100 ns) since the Unix epoch.
/// </summary>
internal interface IRateLimitStore
{
    /// <summary>
    /// Reserves the next arrival slot of <paramref name="key"/>: sets its <c>tat</c> to max(tat, <paramref name="nowTicks"/>)
    /// + <paramref name="intervalTicks"/> and returns it (<see cref="Gcra.Slot"/> turns it into the slot).
    /// </summary>
    Task<long> ReserveAsync(string key, long nowTicks, long intervalTicks, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the next start slot of <paramref name="key"/> when it is at most <paramref name="maxWaitTicks"/> ahead: sets its
    /// <c>start_tat</c> to max(start_tat, now) + interval and returns it; <c>null</c> (nothing changed) when the next start
    /// is further away than that (max(start_tat, now) - <paramref name="toleranceTicks"/> &gt; now + max wait). The state
    /// store takes "now" from the database's clock as the statement runs (one clock for all workers, never stale);
    /// <paramref name="nowTicks"/> is for stores without one.
    /// </summary>
    Task<long?> TryStartAsync(string key, long nowTicks, long intervalTicks, long toleranceTicks, long maxWaitTicks, CancellationToken cancellationToken);
}
