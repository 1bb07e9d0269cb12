using System;

namespace TaskFlow.State;

/// <summary>
/// One bar of the overview's throughput chart (<see cref="TaskStateStore.GetTaskTimelineAsync"/>): how many of the tasks
/// recorded in a time bucket are in a state now.
/// </summary>
/// <param name="Start">The bucket's start (UTC, a multiple of the bucket size since the Unix epoch).</param>
/// <param name="State">The tasks' state now.</param>
/// <param name="Count">How many tasks first recorded in the bucket are in that state.</param>
public sealed record TaskTimelineBucket(DateTimeOffset Start, TaskState State, long Count);
