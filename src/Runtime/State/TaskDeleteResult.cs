namespace TaskFlow.State;

/// <summary>
/// What <see cref="TaskStateStore.DeleteTasksAsync"/> did: only records of final tasks (succeeded, failed, revoked,
/// expired, dead-lettered) are deleted; unfinished ones (pending, started, retrying) are kept and counted.
/// </summary>
/// <param name="Deleted">Records deleted.</param>
/// <param name="SkippedUnfinished">Records kept because their task has not finished (it may still be queued or running).</param>
/// <param name="NotFound">Ids with no record (never recorded, expired, or deleted already).</param>
public sealed record TaskDeleteResult(int Deleted, int SkippedUnfinished, int NotFound);
