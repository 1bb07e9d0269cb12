using System.Collections.Generic;

namespace TaskFlow.State;

/// <summary>One page of <see cref="ITaskStateStore.QueryTasksAsync"/>.</summary>
/// <param name="Tasks">Up to <see cref="TaskQuery.Limit"/> tasks, newest first.</param>
/// <param name="NextCursor">The <see cref="TaskQuery.Cursor"/> of the next page; <c>null</c> on the last page.</param>
public sealed record TaskPage(IReadOnlyList<TaskStateInfo> Tasks, string? NextCursor);
