using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// A run in lease mode: its message was acked when it started; the lease row in the state store (renewed by
/// heartbeat) stands for it. If the worker dies, the lease expires and a reaper on any live worker sends the task
/// again (same id). The run's <see cref="IRunRecord.Cancellation"/> is cancelled when the lease is lost (renewal
/// found another holder: fencing).
/// </summary>
internal interface ILeasedRun : IRunRecord
{
    /// <summary>Whether a renewal found the lease taken over by another worker (the run's token was cancelled then).</summary>
    bool Lost { get; }

    /// <summary>The run is over and whatever follows it (its state, a retry or dead-letter copy) is recorded or sent: delete the lease.</summary>
    ValueTask ReleaseAsync();

    /// <summary>The run did not finish (shutdown) or what follows it could not be sent: expire the lease now, so a reaper sends the task again soon.</summary>
    ValueTask ExpireAsync();
}
