using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Internal;

/// <summary>
/// The task list's filters as the page's query string and the bulk actions' hidden fields carry them (the CLI's
/// <c>taskflow tasks</c> flags): <c>state</c> (wire names, comma-separated), <c>name</c>, <c>queue</c>, <c>entity</c>,
/// <c>worker</c>, <c>lost</c>, <c>error</c>, <c>args</c> (text in the arguments), <c>since</c>/<c>until</c> (<c>30m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c> or a date).
/// </summary>
internal sealed record TaskFilter(IReadOnlyList<(string Name, string Value)> Fields, TaskQuery Query, string? Error)
{
    public static readonly string[] Names = ["state", "name", "queue", "entity", "worker", "lost", "error", "args", "since", "until"];

    /// <summary>
    /// The time range a search in arguments gets when none is given: no index serves a substring, so the search reads
    /// every record in its range (about 1.2 s for 1,000,000, 60 ms for an hour of 36,000: docs/dashboard.md), and the page
    /// runs it again on every live refresh. A wider <c>since</c> is one field away.
    /// </summary>
    public const string DefaultArgumentsSince = "1h";

    /// <summary>Whether <see cref="DefaultArgumentsSince"/> was applied (the page says so).</summary>
    public bool ArgumentsSinceDefaulted { get; init; }

    /// <summary>The value of field <paramref name="name"/>, as given or defaulted.</summary>
    public string? Field(string name) => Fields.FirstOrDefault(f => f.Name == name).Value;

    public static TaskFilter Parse(Func<string, string?> get, DateTimeOffset now)
    {
        var fields = new List<(string, string)>();
        foreach (var name in Names)
        {
            if (get(name) is { Length: > 0 } value)
            {
                fields.Add((name, value));
            }
        }

        // A search in arguments without a time range looks at the last hour (the form shows since=1h).
        var defaulted = get("args") is { Length: > 0 } && get("since") is not { Length: > 0 };
        if (defaulted)
        {
            fields.Insert(fields.FindIndex(f => f.Item1 == "args") + 1, ("since", DefaultArgumentsSince));
            var given = get;
            get = name => name == "since" ? DefaultArgumentsSince : given(name);
        }

        string? error = null;
        var states = new List<TaskState>();
        foreach (var part in (get("state") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ParseState(part) is { } state)
            {
                states.Add(state);
            }
            else
            {
                error = $"unknown state '{part}': use {string.Join(", ", Enum.GetValues<TaskState>().Select(s => s.ToWireName()))}";
            }
        }

        var query = new TaskQuery
        {
            States = states.Count > 0 ? states : null,
            TaskName = get("name"),
            Queue = get("queue"),
            EntityKey = get("entity"),
            Worker = get("worker"),
            LostWorkersOnly = get("lost") is "on" or "true" or "1",
            Error = get("error"),
            ArgumentsContains = get("args"),
            CreatedSince = ParseTime(get("since"), now, ref error),
            CreatedUntil = ParseTime(get("until"), now, ref error),
        };
        return new TaskFilter(fields, query, error) { ArgumentsSinceDefaulted = defaulted };
    }

    public static TaskState? ParseState(string text)
    {
        foreach (var state in Enum.GetValues<TaskState>())
        {
            if (string.Equals(state.ToWireName(), text, StringComparison.OrdinalIgnoreCase) || string.Equals(state.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                return state;
            }
        }

        return null;
    }

    private static DateTimeOffset? ParseTime(string? text, DateTimeOffset now, ref string? error)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            TimeSpan? span = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                'w' => TimeSpan.FromDays(7 * amount),
                _ => null,
            };
            if (span is { } s)
            {
                return now - s;
            }
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        error = $"'{text}' is not a time: use 30m, 1h, 2d, 1w (back from now) or a date such as 2026-12-03T10:00Z";
        return null;
    }
}
