using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>
/// The task list and the overview: <see cref="TaskStateStore.QueryTasksAsync"/> composes a <see cref="TaskQuery"/>'s
/// filters from the fixed pieces of <see cref="TaskQueryStatements"/> (values only ever as parameters) and pages with a
/// keyset cursor; <see cref="TaskStateStore.GetTaskCountsAsync"/> counts by task name and state.
/// </summary>
internal sealed class TaskQueries
{
    private const string CursorVersion = "1";
    private readonly StateConnections _connections;
    private readonly TaskQueryStatements _sql;
    private readonly TaskStateOptions _options;
    private readonly TimeProvider _time;

    public TaskQueries(StateConnections connections, TaskQueryStatements sql, TaskStateOptions options, TimeProvider time)
    {
        _connections = connections;
        _sql = sql;
        _options = options;
        _time = time;
    }

    /// <summary>One page of the tasks <paramref name="query"/> selects, newest first.</summary>
    public async Task<TaskPage> QueryAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = Build(query, _time.GetUtcNow());
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = (await connection.QueryAsync<StateRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            // One row more than the page was read: whether there is a next page, without a last empty one.
            var more = rows.Count > query.Limit;
            var tasks = rows.Take(query.Limit).Select(r => r.ToInfo()).ToList();
            return new TaskPage(tasks, more ? EncodeCursor(tasks[^1]) : null);
        }
    }

    /// <summary>Records created since <paramref name="since"/> by state, and by task name and state.</summary>
    public async Task<TaskCounts> CountAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<CountRow>(new CommandDefinition(_sql.CountSince, new { Since = since }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var byTask = rows
                .Select(r => new TaskStateCount(r.TaskName, (TaskState)Convert.ToInt32(r.State, CultureInfo.InvariantCulture), Convert.ToInt64(r.Count, CultureInfo.InvariantCulture)))
                .OrderBy(c => c.TaskName, StringComparer.Ordinal)
                .ThenBy(c => c.State)
                .ToList();
            var byState = byTask.GroupBy(c => c.State).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
            return new TaskCounts(since, byState, byTask);
        }
    }

    /// <summary>The statement and parameters of <paramref name="query"/> (validated: a clear error for bad input).</summary>
    public (string Sql, DynamicParameters Parameters) Build(TaskQuery query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > TaskQuery.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"TaskFlow: TaskQuery.Limit must be from 1 to {TaskQuery.MaxLimit}; page through more with TaskPage.NextCursor.");
        }

        var where = new List<string>();
        var parameters = new DynamicParameters();
        parameters.Add("Limit", query.Limit + 1);
        if (query.States is { Count: > 0 } states)
        {
            where.Add(_sql.StateAmong);
            parameters.Add("States", states.Distinct().Select(s => (int)s).Order().ToArray());
        }

        Equal("task_name", "TaskName", query.TaskName);
        Equal("queue", "Queue", query.Queue);
        Equal("entity_key", "EntityKey", query.EntityKey);
        Equal("worker", "Worker", query.Worker);
        Equal("parent_id", "ParentId", query.ParentId);
        if (!string.IsNullOrEmpty(query.RootId))
        {
            where.Add("(root_id = @RootId OR task_id = @RootId)");
            parameters.Add("RootId", query.RootId);
        }

        if (query.LostWorkersOnly)
        {
            where.Add(_sql.OnLostWorker);
            parameters.Add("LostBefore", now - (_options.WorkerHeartbeatInterval * 3));
        }

        if (!string.IsNullOrEmpty(query.Error))
        {
            var escaped = EscapeLike(query.Error);
            where.Add("(" + Like("error", "@ErrorStart") + " OR " + Like("error", "@ErrorAfter") + ")");
            parameters.Add("ErrorStart", escaped + "%");
            parameters.Add("ErrorAfter", "%: " + escaped + "%");
        }

        if (!string.IsNullOrEmpty(query.ArgumentsContains))
        {
            if (query.ArgumentsContains.Length > ArgumentsText.MaxLength)
            {
                throw new ArgumentException($"TaskFlow: TaskQuery.ArgumentsContains is {query.ArgumentsContains.Length} characters; the store keeps at most {ArgumentsText.MaxLength} of a task's arguments, so it can match nothing.", nameof(query));
            }

            // The stored text is redacted ([Sensitive] values are ***): a search never matches inside a sensitive value.
            where.Add(LikeAnyCase("arguments", "@ArgumentsLike"));
            parameters.Add("ArgumentsLike", "%" + EscapeLike(query.ArgumentsContains) + "%");
        }

        Range("created_at >= @CreatedSince", "CreatedSince", query.CreatedSince);
        Range("created_at < @CreatedUntil", "CreatedUntil", query.CreatedUntil);
        Range("updated_at >= @UpdatedSince", "UpdatedSince", query.UpdatedSince);
        Range("updated_at < @UpdatedUntil", "UpdatedUntil", query.UpdatedUntil);
        if (query.Cursor is { Length: > 0 } cursor)
        {
            var (at, id) = DecodeCursor(cursor);
            where.Add(_sql.Before);
            parameters.Add("CursorAt", at);
            parameters.Add("CursorId", id);
        }

        var sql = _sql.SelectPage.Replace("{where}", where.Count == 0 ? "1 = 1" : string.Join(" AND ", where), StringComparison.Ordinal);
        return (sql, parameters);

        void Equal(string column, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                where.Add(column + " = @" + name);
                parameters.Add(name, value);
            }
        }

        void Range(string condition, string name, DateTimeOffset? value)
        {
            if (value is { } time)
            {
                where.Add(condition);
                parameters.Add(name, time.ToUniversalTime());
            }
        }
    }

    /// <summary>The cursor after <paramref name="last"/>: its creation time (UTC ticks) and id, opaque to callers.</summary>
    public static string EncodeCursor(TaskStateInfo last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(CursorVersion + ":" + last.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + ":" + last.TaskId));

    public static (DateTimeOffset At, string TaskId) DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split(':', 3);
            if (parts.Length == 3 && parts[0] == CursorVersion && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks && parts[2].Length > 0)
            {
                return (new DateTimeOffset(ticks, TimeSpan.Zero), parts[2]);
            }
        }
        catch (FormatException)
        {
            // reported below
        }

        throw new ArgumentException($"TaskFlow: TaskQuery.Cursor '{cursor}' is not a cursor this store returned: pass TaskPage.NextCursor of the previous page, or null for the first page.", nameof(cursor));
    }

    /// <summary>Escapes LIKE's wildcards (and <c>[</c>, a wildcard on SQL Server) with <c>\</c>.</summary>
    public static string EscapeLike(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\\' or '%' or '_' or '[')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private string Like(string column, string parameter) =>
        _sql.Like.Replace("{column}", column, StringComparison.Ordinal).Replace("{parameter}", parameter, StringComparison.Ordinal);

    private string LikeAnyCase(string column, string parameter) =>
        _sql.LikeAnyCase.Replace("{column}", column, StringComparison.Ordinal).Replace("{parameter}", parameter, StringComparison.Ordinal);

    private sealed class CountRow
    {
        public string? TaskName { get; set; }

        public object? State { get; set; }

        public object? Count { get; set; }
    }
}
