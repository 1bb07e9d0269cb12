using System;
using System.Globalization;

namespace TaskFlow.Analyzers;

/// <summary>
/// Checks a cron expression the way Cronos (the runtime's parser) reads it, without referencing Cronos: 5 fields
/// (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro. Returns what is wrong, or null.
/// </summary>
internal static class CronSyntax
{
    private static readonly string[] Macros = ["@every_second", "@every_minute", "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"];
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly char[] Separators = [' ', '\t'];

    public static string? Check(string expression)
    {
        var trimmed = expression.Trim();
        if (trimmed.StartsWith("@", StringComparison.Ordinal))
        {
            return Array.IndexOf(Macros, trimmed.ToLowerInvariant()) >= 0 ? null : "unknown macro '" + trimmed + "' (" + string.Join(", ", Macros) + ")";
        }

        var fields = trimmed.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            return "it has " + fields.Length.ToString(CultureInfo.InvariantCulture) + " fields; write 5 (minute hour day-of-month month day-of-week) or 6 with seconds first";
        }

        var offset = fields.Length - 5;
        if (offset == 1 && Field(fields[0], "second", 0, 59, null) is { } second)
        {
            return second;
        }

        return Field(fields[offset], "minute", 0, 59, null)
            ?? Field(fields[offset + 1], "hour", 0, 23, null)
            ?? Field(fields[offset + 2], "day-of-month", 1, 31, null, dayOfMonth: true)
            ?? Field(fields[offset + 3], "month", 1, 12, Months, firstName: 1)
            ?? Field(fields[offset + 4], "day-of-week", 0, 7, Days, dayOfWeek: true);
    }

    private static string? Field(string field, string name, int min, int max, string[]? names, bool dayOfMonth = false, bool dayOfWeek = false, int firstName = 0)
    {
        foreach (var item in field.Split(','))
        {
            if (item.Length == 0)
            {
                return "an empty item in the " + name + " field '" + field + "'";
            }

            if (item == "?" && (dayOfMonth || dayOfWeek))
            {
                continue;
            }

            var upper = item.ToUpperInvariant();
            if (dayOfMonth && (upper == "L" || upper == "LW" || (upper.StartsWith("L-", StringComparison.Ordinal) && Number(upper.Substring(2), 0, 30) is not null)
                || (upper.EndsWith("W", StringComparison.Ordinal) && Number(upper.Substring(0, upper.Length - 1), 1, 31) is not null)))
            {
                continue;
            }

            if (dayOfWeek && upper.EndsWith("L", StringComparison.Ordinal) && Value(upper.Substring(0, upper.Length - 1), min, max, names, firstName) is not null)
            {
                continue;
            }

            if (dayOfWeek && upper.IndexOf('#') is var hash and > 0)
            {
                if (Value(upper.Substring(0, hash), min, max, names, firstName) is not null && Number(upper.Substring(hash + 1), 1, 5) is not null)
                {
                    continue;
                }

                return "'" + item + "' is not a valid nth weekday (e.g. MON#2) in the " + name + " field";
            }

            var range = upper;
            var slash = upper.IndexOf('/');
            if (slash >= 0)
            {
                range = upper.Substring(0, slash);
                if (Number(upper.Substring(slash + 1), 1, max) is null)
                {
                    return "the step of '" + item + "' in the " + name + " field must be a number from 1 to " + max.ToString(CultureInfo.InvariantCulture);
                }
            }

            if (range == "*")
            {
                continue;
            }

            var dash = range.IndexOf('-');
            var from = Value(dash > 0 ? range.Substring(0, dash) : range, min, max, names, firstName);
            var to = dash > 0 ? Value(range.Substring(dash + 1), min, max, names, firstName) : from;
            if (from is null || to is null)
            {
                return "'" + item + "' is out of range in the " + name + " field (" + min.ToString(CultureInfo.InvariantCulture) + "-" + max.ToString(CultureInfo.InvariantCulture)
                    + (names is null ? string.Empty : ", or " + names[0] + "-" + names[names.Length - 1]) + ")";
            }
        }

        return null;
    }

    private static int? Value(string text, int min, int max, string[]? names, int firstName)
    {
        if (names is not null && Array.IndexOf(names, text) is var index and >= 0)
        {
            return index + firstName;
        }

        return Number(text, min, max);
    }

    private static int? Number(string text, int min, int max) =>
        text.Length > 0 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : null;
}
