using System;

namespace TaskFlow.State;

/// <summary>
/// A queue an operator paused (<see cref="TaskStateStore.PauseQueueAsync"/>, schema version 8): no worker with this state
/// store consumes it until it is resumed; its messages stay in the queue.
/// </summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="PausedAt">When it was paused.</param>
/// <param name="PausedBy">Who paused it (a user name, <c>cli (user@host)</c>...).</param>
/// <param name="Reason">Why, if given.</param>
public sealed record QueuePause(string Queue, DateTimeOffset PausedAt, string PausedBy, string? Reason);
