namespace TaskFlow.State.Internal;

/// <summary>
/// Periodic tasks (migration 5): the schedules, the scheduler lease with its fencing token, and the fire records.
/// Every write of the scheduler runs after <see cref="FenceLease"/> in the same transaction.
/// </summary>
/// <param name="SelectAll">Every schedule, by name.</param>
/// <param name="SelectOne">One schedule by <c>@Name</c>.</param>
/// <param name="SelectOneForUpdate">One schedule by <c>@Name</c>, its row locked for the transaction.</param>
/// <param name="Insert">A new schedule.</param>
/// <param name="UpdateDefinition">A schedule's definition and next fire (<c>version</c> + 1).</param>
/// <param name="Pause">Pauses (<c>version</c> + 1).</param>
/// <param name="Resume">Resumes with a new next fire (<c>version</c> + 1).</param>
/// <param name="Delete">Deletes a schedule.</param>
/// <param name="DeleteFires">Deletes a schedule's fire records.</param>
/// <param name="SelectDue">The due schedules (next fire at or before <c>@Now</c>, or a buffered fire), with their last fire's task state; <c>ix_schedule_next_fire_at</c>.</param>
/// <param name="SelectEarliest">The earliest next fire of the active schedules.</param>
/// <param name="Advance">A scheduler step: next fire, last fire, buffered count, only at <c>@Version</c>.</param>
/// <param name="SetLastFire">A triggered fire becomes the last fire (<c>version</c> + 1).</param>
/// <param name="InsertFire">One fire record; its primary key (the derived task id) rejects a second record of a fire.</param>
/// <param name="MarkFireSent">A buffered fire released.</param>
/// <param name="SelectFires">The latest fires of a schedule, newest first.</param>
/// <param name="DeleteOldFires">Cleanup: fire records (not buffered) recorded before <c>@Before</c>, at most <c>@BatchSize</c>.</param>
/// <param name="AcquireLease">Takes the scheduler lease when free or expired (token + 1), returning the token; no row when it is held.</param>
/// <param name="RenewLease">Extends the lease at <c>@Token</c> while it has not expired.</param>
/// <param name="ReleaseLease">Expires the lease at <c>@Token</c> now.</param>
/// <param name="FenceLease">Locks the lease row at <c>@Token</c> while it has not expired: 1 row, or the holder lost it.</param>
internal sealed record ScheduleStatements(
    string SelectAll,
    string SelectOne,
    string SelectOneForUpdate,
    string Insert,
    string UpdateDefinition,
    string Pause,
    string Resume,
    string Delete,
    string DeleteFires,
    string SelectDue,
    string SelectEarliest,
    string Advance,
    string SetLastFire,
    string InsertFire,
    string MarkFireSent,
    string SelectFires,
    string DeleteOldFires,
    string AcquireLease,
    string RenewLease,
    string ReleaseLease,
    string FenceLease)
{
    /// <summary>The columns of a schedule row, named as <c>ScheduleRow</c>'s properties.</summary>
    public static string Columns { get; } = ColumnsOf(string.Empty);

    /// <summary>The columns of a schedule row, each prefixed with <paramref name="alias"/> (e.g. <c>s.</c>).</summary>
    public static string ColumnsOf(string alias) =>
        $"{alias}name AS Name, {alias}task_name AS TaskName, {alias}queue AS Queue, {alias}arguments AS Arguments, {alias}cron AS Cron, {alias}every_ms AS EveryMs, " +
        $"{alias}time_zone AS TimeZone, {alias}overlap AS Overlap, {alias}catch_up AS CatchUp, {alias}catch_up_window_ms AS CatchUpWindowMs, {alias}source AS Source, " +
        $"{alias}paused AS Paused, {alias}next_fire_at AS NextFireAt, {alias}last_fire_at AS LastFireAt, {alias}last_task_id AS LastTaskId, {alias}buffered AS Buffered, " +
        $"{alias}version AS Version, {alias}created_at AS CreatedAt, {alias}updated_at AS UpdatedAt";

    /// <summary>The columns of a fire record.</summary>
    public const string FireColumns =
        "schedule_name AS Schedule, task_id AS TaskId, fire_at AS FireAt, status AS Status, recorded_at AS RecordedAt, sent_at AS SentAt";
}
