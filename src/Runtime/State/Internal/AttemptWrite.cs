using System;
using System.Collections.Generic;
using System.Globalization;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// One attempt that ended in an error, as a <c>task_attempt</c> row (schema version 13): written with the state record
/// that ends it (retrying, failed, dead-lettered; a time limit is one of these), in the same transaction. Property names
/// are the SQL parameter names of the single insert (SQL Server); PostgreSQL binds a batch of them as arrays.
/// </summary>
internal sealed class AttemptWrite
{
    /// <summary>The most characters of a stack kept (<c>exception.ToString()</c>: type, message, stack, inner exceptions).</summary>
    public const int MaxStackLength = 16_000;

    public required string TaskId { get; init; }

    public int Attempt { get; init; }

    public int State { get; init; }

    public string? Worker { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset EndedAt { get; init; }

    public string? Error { get; init; }

    public string? Stack { get; init; }

    /// <summary>The attempt <paramref name="write"/> ends: its attempt number, state, worker, time and error, with <paramref name="stack"/> bounded.</summary>
    public static AttemptWrite Of(StateWrite write, DateTimeOffset? startedAt, string? stack) => new()
    {
        TaskId = write.TaskId,
        Attempt = write.Attempts,
        State = write.State,
        Worker = write.Worker,
        StartedAt = startedAt,
        EndedAt = write.Now,
        Error = write.Error,
        Stack = BoundStack(stack),
    };

    /// <summary>
    /// <paramref name="stack"/> cut at <see cref="MaxStackLength"/> characters, with a last line that says how many were
    /// left out; without NUL characters (PostgreSQL text cannot hold them).
    /// </summary>
    public static string? BoundStack(string? stack)
    {
        if (stack is null)
        {
            return null;
        }

        if (stack.Length > MaxStackLength)
        {
            var length = MaxStackLength - 80;
            if (char.IsHighSurrogate(stack[length - 1]))
            {
                length--;
            }

            stack = string.Concat(stack.AsSpan(0, length), string.Create(CultureInfo.InvariantCulture, $"\n... (cut: {stack.Length - length} more characters)"));
        }

        return stack.Contains('\0', StringComparison.Ordinal) ? stack.Replace('\0', '\uFFFD') : stack;
    }

    /// <summary>The distinct attempts of <paramref name="writes"/> (the last write of an attempt wins), in task id and attempt order: the lock order.</summary>
    public static List<AttemptWrite> Distinct(IEnumerable<AttemptWrite> writes)
    {
        var byKey = new Dictionary<(string, int), AttemptWrite>();
        foreach (var write in writes)
        {
            byKey[(write.TaskId, write.Attempt)] = write;
        }

        var result = new List<AttemptWrite>(byKey.Values);
        result.Sort(static (a, b) => string.CompareOrdinal(a.TaskId, b.TaskId) is var c and not 0 ? c : a.Attempt.CompareTo(b.Attempt));
        return result;
    }
}

/// <summary>The statements of <c>task_attempt</c> (schema version 13).</summary>
/// <param name="Insert">Inserts or replaces attempts: PostgreSQL from arrays (<c>@TaskIds</c>, <c>@Attempts</c>...), SQL Server one row of <see cref="AttemptWrite"/>'s parameters.</param>
/// <param name="BindsArrays">Whether <paramref name="Insert"/> takes a batch as arrays (PostgreSQL) rather than one row per execution.</param>
/// <param name="Select">A task's attempts, oldest first (<c>@TaskId</c>).</param>
internal sealed record AttemptStatements(string Insert, bool BindsArrays, string Select)
{
    private const string Columns = "task_id AS TaskId, attempt AS Attempt, state AS State, worker AS Worker, started_at AS StartedAt, ended_at AS EndedAt, error AS Error, stack AS Stack";

    public static AttemptStatements PostgreSql(string s) => new(
        Insert: $"""
            INSERT INTO {s}.task_attempt AS a (task_id, attempt, state, worker, started_at, ended_at, error, stack)
            SELECT * FROM unnest(@TaskIds::varchar[], @Attempts::int[], @States::smallint[], @Workers::varchar[], @StartedAts::timestamptz[],
                                 @EndedAts::timestamptz[], @Errors::text[], @Stacks::text[])
            ON CONFLICT (task_id, attempt) DO UPDATE SET state = EXCLUDED.state, worker = EXCLUDED.worker,
                started_at = COALESCE(EXCLUDED.started_at, a.started_at), ended_at = EXCLUDED.ended_at, error = EXCLUDED.error, stack = EXCLUDED.stack
            """,
        BindsArrays: true,
        Select: $"SELECT {Columns} FROM {s}.task_attempt WHERE task_id = @TaskId ORDER BY attempt");

    /// <param name="s">The schema, quoted (<c>[name]</c>).</param>
    public static AttemptStatements SqlServer(string s) => new(
        Insert: $"""
            MERGE {s}.[task_attempt] WITH (HOLDLOCK) AS a
            USING (SELECT @TaskId AS task_id, @Attempt AS attempt) AS src ON a.task_id = src.task_id AND a.attempt = src.attempt
            WHEN MATCHED THEN UPDATE SET state = @State, worker = @Worker, started_at = COALESCE(@StartedAt, a.started_at), ended_at = @EndedAt, error = @Error, stack = @Stack
            WHEN NOT MATCHED THEN INSERT (task_id, attempt, state, worker, started_at, ended_at, error, stack)
                VALUES (@TaskId, @Attempt, @State, @Worker, @StartedAt, @EndedAt, @Error, @Stack);
            """,
        BindsArrays: false,
        Select: $"SELECT {Columns} FROM {s}.[task_attempt] WHERE task_id = @TaskId ORDER BY attempt");

    /// <summary>The parameters of <see cref="Insert"/> for <paramref name="attempts"/>: one object of arrays (PostgreSQL) or the rows themselves.</summary>
    public object Parameters(IReadOnlyList<AttemptWrite> attempts)
    {
        if (!BindsArrays)
        {
            return attempts;
        }

        var n = attempts.Count;
        var taskIds = new string[n];
        var numbers = new int[n];
        var states = new int[n];
        var workers = new string?[n];
        var startedAts = new DateTimeOffset?[n];
        var endedAts = new DateTimeOffset[n];
        var errors = new string?[n];
        var stacks = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var a = attempts[i];
            taskIds[i] = a.TaskId;
            numbers[i] = a.Attempt;
            states[i] = a.State;
            workers[i] = a.Worker;
            startedAts[i] = a.StartedAt;
            endedAts[i] = a.EndedAt;
            errors[i] = a.Error;
            stacks[i] = a.Stack;
        }

        return new { TaskIds = taskIds, Attempts = numbers, States = states, Workers = workers, StartedAts = startedAts, EndedAts = endedAts, Errors = errors, Stacks = stacks };
    }
}

/// <summary>An attempt row as read back (provider types vary).</summary>
internal sealed class AttemptRow
{
    public string TaskId { get; set; } = "";

    public object? Attempt { get; set; }

    public object? State { get; set; }

    public string? Worker { get; set; }

    public object? StartedAt { get; set; }

    public object? EndedAt { get; set; }

    public string? Error { get; set; }

    public string? Stack { get; set; }

    public TaskAttemptInfo ToInfo() => new(
        TaskId,
        Convert.ToInt32(Attempt, CultureInfo.InvariantCulture),
        (TaskState)Convert.ToInt32(State, CultureInfo.InvariantCulture),
        Worker,
        DbValues.ToTime(StartedAt),
        DbValues.ToTime(EndedAt),
        Error,
        Stack);
}
