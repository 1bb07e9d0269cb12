using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// Where rate limits keep their state across workers: one "theoretical arrival time" (TAT) per key, the GCRA's only
/// state. Implemented by the state store (<c>rate_limit</c>, one atomic upsert per reservation).
/// </summary>
internal interface IRateLimitStore
{
    /// <summary>
    /// Reserves the next slot of <paramref name="key"/>, atomically across every worker: sets its TAT to
    /// max(TAT, <paramref name="nowTicks"/>) + <paramref name="intervalTicks"/> and returns the new TAT. Times are ticks
    /// (100 ns) since the Unix epoch. <see cref="Gcra.Slot"/> turns the result into the time the run may start.
    /// </summary>
    /// <param name="key">The rate-limit key.</param>
    /// <param name="start">
    /// <c>false</c>: the arrival schedule (<c>tat</c>: when a waiting task comes back); <c>true</c>: the starts (<c>start_tat</c>:
    /// when a task whose arrival slot came may start). Two GCRA clocks on one row.
    /// </param>
    /// <param name="nowTicks">Now, in ticks since the Unix epoch.</param>
    /// <param name="intervalTicks">The emission interval in ticks.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    Task<long> ReserveAsync(string key, bool start, long nowTicks, long intervalTicks, CancellationToken cancellationToken);
}
