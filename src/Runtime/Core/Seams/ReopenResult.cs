namespace TaskFlow.Core;

/// <summary>What <see cref="ITaskStateRecorder.ReopenAsync"/> did with a re-driven dead letter's record.</summary>
internal enum ReopenResult
{
    /// <summary>Reopened (back to pending): this copy runs the task once more.</summary>
    Reopened,

    /// <summary>Not failed or dead-lettered any more: another copy of the same dead letter reopened it (skip this one).</summary>
    AlreadyReopened,

    /// <summary>
    /// The state store could not be reached (or failed): nothing was changed. The copy neither runs (it would run beside
    /// a record that still says failed) nor is dropped: it is sent round and looked at again later.
    /// </summary>
    StoreUnavailable,
}
