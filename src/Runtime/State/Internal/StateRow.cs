using System;
using System.Globalization;

namespace TaskFlow.State.Internal;

/// <summary>A task state row as read back (provider types vary: converted by <see cref="ToInfo"/>).</summary>
internal sealed class StateRow
{
    /// <summary>The select list that reads a <c>task_state</c> row into these properties (both dialects' <see cref="TaskStateStatements.SelectInfo"/>).</summary>
    public const string Columns =
        "task_id AS TaskId, task_name AS TaskName, queue AS Queue, state AS State, entity_key AS EntityKey, attempts AS Attempts, worker AS Worker, " +
        "error AS Error, result AS ResultJson, created_at AS CreatedAt, started_at AS StartedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt, expires_at AS ExpiresAt, " +
        "progress_done AS ProgressDone, progress_total AS ProgressTotal, progress_message AS ProgressMessage, progress_at AS ProgressAt, " +
        "parent_id AS ParentId, root_id AS RootId, arguments AS Arguments, trace_id AS TraceId, headers AS Headers";

    public string TaskId { get; set; } = "";

    public string? TaskName { get; set; }

    public string? Queue { get; set; }

    public object? State { get; set; }

    public string? EntityKey { get; set; }

    public object? Attempts { get; set; }

    public string? Worker { get; set; }

    public string? Error { get; set; }

    public string? ResultJson { get; set; }

    public object? CreatedAt { get; set; }

    public object? StartedAt { get; set; }

    public object? CompletedAt { get; set; }

    public object? UpdatedAt { get; set; }

    public object? ExpiresAt { get; set; }

    public object? ProgressDone { get; set; }

    public object? ProgressTotal { get; set; }

    public string? ProgressMessage { get; set; }

    public object? ProgressAt { get; set; }

    public string? ParentId { get; set; }

    public string? RootId { get; set; }

    public string? Arguments { get; set; }

    public string? TraceId { get; set; }

    public string? Headers { get; set; }

    public TaskStateInfo ToInfo() => new(
        TaskId,
        TaskName,
        Queue,
        (TaskState)Convert.ToInt32(State, CultureInfo.InvariantCulture),
        EntityKey,
        Convert.ToInt32(Attempts, CultureInfo.InvariantCulture),
        Worker,
        Error,
        ResultJson,
        DbValues.ToTime(CreatedAt)!.Value,
        DbValues.ToTime(StartedAt),
        DbValues.ToTime(CompletedAt),
        DbValues.ToTime(UpdatedAt)!.Value,
        DbValues.ToTime(ExpiresAt)!.Value)
    {
        Progress = ProgressAt is null or DBNull
            ? null
            : new TaskProgress(
                ProgressDone is null or DBNull ? 0 : Convert.ToInt64(ProgressDone, CultureInfo.InvariantCulture),
                ProgressTotal is null or DBNull ? null : Convert.ToInt64(ProgressTotal, CultureInfo.InvariantCulture),
                ProgressMessage)
            {
                ReportedAt = DbValues.ToTime(ProgressAt),
            },
        ParentId = ParentId,
        RootId = RootId,
        Arguments = Arguments,
        TraceId = TraceId,
        Headers = HeadersText.Read(Headers),
    };
}
