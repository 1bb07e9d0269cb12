namespace TaskFlow.State.Internal;

/// <summary>
/// The pieces of the task list and the overview (<see cref="TaskQueries"/>). A list query is <see cref="SelectPage"/>
/// with its <c>{where}</c> replaced by the filters the query sets, each a fixed text with parameters (never a value
/// spliced into the SQL): the ones that differ by dialect are here, the others are the same on both.
/// </summary>
/// <param name="SelectPage">One page, newest first (<c>created_at DESC, task_id DESC</c>: the keyset), <c>@Limit</c> rows; <c>{where}</c> is the filter.</param>
/// <param name="StateAmong">Tasks in one of <c>@States</c>.</param>
/// <param name="Before">The keyset: rows after the cursor (<c>@CursorAt</c>, <c>@CursorId</c>) in newest-first order.</param>
/// <param name="OnLostWorker">Tasks recorded on a worker that is lost now (not stopped, not seen since <c>@LostBefore</c>).</param>
/// <param name="Like">A <c>LIKE</c> of <c>{column}</c> against a parameter <c>{parameter}</c> escaped with <c>\</c>.</param>
/// <param name="LikeAnyCase">As <paramref name="Like"/>, case-insensitive (PostgreSQL <c>ILIKE</c>; SQL Server with a case-insensitive collation).</param>
/// <param name="CountSince">Records created since <c>@Since</c>, counted by task name and state.</param>
internal sealed record TaskQueryStatements(
    string SelectPage,
    string StateAmong,
    string Before,
    string OnLostWorker,
    string Like,
    string LikeAnyCase,
    string CountSince);
