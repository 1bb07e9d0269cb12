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
    /// Reserves the next run of <paramref name="key"/>, atomically across every worker: sets its TAT to
    /// max(TAT, <paramref name="nowTicks"/>) + <paramref name="intervalTicks"/> and returns the new TAT. Times are ticks
    /// (100 ns) since the Unix epoch. <see cref="Gcra.Slot"/> turns the result into the time the run may start.
    /// </summary>
    Task<long> ReserveAsync(string key, long nowTicks, long intervalTicks, CancellationToken cancellationToken);
}
