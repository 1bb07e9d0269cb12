using System;
using System.Collections.Generic;

namespace TaskFlow.State;

/// <summary>
/// Which recorded tasks to list (<see cref="ITaskStateStore.QueryTasksAsync"/>): every filter that is set narrows the
/// list (null or empty: not filtered); the list is newest first (by <see cref="TaskStateInfo.CreatedAt"/>, then task id)
/// and comes in pages of <see cref="Limit"/>. For the next page, query again with
/// <c>query with { Cursor = page.NextCursor }</c>: keyset paging, so a page deep in a large table costs what the first
/// does and tasks recorded meanwhile do not shift the pages.
/// </summary>
public sealed record TaskQuery
{
    /// <summary>The page size when <see cref="Limit"/> is not set.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The largest page size.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Tasks in one of these states.</summary>
    public IReadOnlyCollection<TaskState>? States { get; init; }

    /// <summary>Tasks of this name (the name on the wire, e.g. <c>signup.signup_tasks.send_sms</c>).</summary>
    public string? TaskName { get; init; }

    /// <summary>Tasks sent to (or consumed from) this queue.</summary>
    public string? Queue { get; init; }

    /// <summary>Tasks of this entity (<see cref="SendOptions.EntityKey"/>, e.g. <c>note:42</c>).</summary>
    public string? EntityKey { get; init; }

    /// <summary>Tasks last recorded by this worker (<see cref="TaskStateInfo.Worker"/>, the worker's name).</summary>
    public string? Worker { get; init; }

    /// <summary>
    /// Only tasks last recorded by a worker that is lost now: not stopped and not seen for three heartbeat intervals, the
    /// rule of <see cref="ITaskStateStore.GetWorkersAsync"/>. With <see cref="States"/> = <c>[Started]</c>: the tasks that
    /// were running on a worker when it died and were not taken up by another since.
    /// </summary>
    public bool LostWorkersOnly { get; init; }

    /// <summary>
    /// Tasks whose <see cref="TaskStateInfo.Error"/> starts with this text, or has it right after a <c>": "</c>: an exception
    /// type (<c>System.TimeoutException</c>) finds the retrying records that start with it and the failed ones where it
    /// follows the dead-letter reason (<c>task-failed: System.TimeoutException: ...</c>); a reason (<c>task-failed</c>,
    /// <c>invalid-arguments</c>) finds those. Case-sensitive on PostgreSQL; SQL Server follows the column's collation.
    /// </summary>
    public string? Error { get; init; }

    /// <summary>
    /// Tasks whose arguments (<see cref="TaskStateInfo.Arguments"/>: the redacted display text the store keeps) contain this
    /// text, case-insensitively; <c>%</c>, <c>_</c> and <c>[</c> are taken literally. Sensitive values are stored as
    /// <c>***</c>, so a search never matches inside one. No index serves a substring: the records are read newest first
    /// until a page is full, so combine it with a time range or an indexed filter on a large table (docs/dashboard.md).
    /// </summary>
    public string? ArgumentsContains { get; init; }

    /// <summary>Tasks the store first recorded at or after this instant.</summary>
    public DateTimeOffset? CreatedSince { get; init; }

    /// <summary>Tasks the store first recorded before this instant.</summary>
    public DateTimeOffset? CreatedUntil { get; init; }

    /// <summary>Tasks whose record last changed at or after this instant.</summary>
    public DateTimeOffset? UpdatedSince { get; init; }

    /// <summary>Tasks whose record last changed before this instant.</summary>
    public DateTimeOffset? UpdatedUntil { get; init; }

    /// <summary>The children of a task: tasks it sent while it ran (<see cref="TaskStateInfo.ParentId"/>).</summary>
    public string? ParentId { get; init; }

    /// <summary>A whole tree: the task with this id and every task whose root it is (<see cref="TaskStateInfo.RootId"/>).</summary>
    public string? RootId { get; init; }

    /// <summary>The page size.</summary>
    /// <value>Default <see cref="DefaultLimit"/> (100); from 1 to <see cref="MaxLimit"/> (1,000).</value>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Where the page starts: <see cref="TaskPage.NextCursor"/> of the previous page; <c>null</c> for the first page.</summary>
    public string? Cursor { get; init; }
}
