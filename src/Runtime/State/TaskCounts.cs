using System;
using System.Collections.Generic;
using System.Linq;

namespace TaskFlow.State;

/// <summary>The overview of <see cref="ITaskStateStore.GetTaskCountsAsync"/>: tasks recorded since an instant, counted by their state now.</summary>
/// <param name="Since">The instant counted from (the records first written at or after it).</param>
/// <param name="ByState">How many of those tasks are in each state (states with none are absent).</param>
/// <param name="ByTask">The same by task name and state, by task name then state.</param>
public sealed record TaskCounts(DateTimeOffset Since, IReadOnlyDictionary<TaskState, long> ByState, IReadOnlyList<TaskStateCount> ByTask)
{
    /// <summary>How many tasks were recorded since <see cref="Since"/>.</summary>
    public long Total => ByState.Values.Sum();
}
