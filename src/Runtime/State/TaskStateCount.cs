namespace TaskFlow.State;

/// <summary>How many tasks of one name are in one state (<see cref="TaskCounts.ByTask"/>).</summary>
/// <param name="TaskName">The task name; <c>null</c> for records that never had one (revoked before anything else was recorded).</param>
/// <param name="State">The state.</param>
/// <param name="Count">How many.</param>
public sealed record TaskStateCount(string? TaskName, TaskState State, long Count);
