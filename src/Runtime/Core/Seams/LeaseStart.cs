namespace TaskFlow.Core;

/// <summary>The result of <see cref="ITaskStateRecorder.AcquireLeaseAsync"/>: a leased run, or why the message is skipped.</summary>
/// <param name="Run">The run holding the lease; <c>null</c> when skipped.</param>
/// <param name="SkipReason">Why the message is acked without running: the task is final (its wire state name) or another worker holds a live lease.</param>
/// <param name="Attempt">The attempt number of the run (runs counted by the store, this one included).</param>
/// <param name="StoreUnavailable">No run and no skip: the state store could not be reached, so nothing was leased; the message is sent round and tried again later.</param>
internal readonly record struct LeaseStart(ILeasedRun? Run, string? SkipReason, int Attempt, bool StoreUnavailable = false);
