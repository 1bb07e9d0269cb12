using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TaskFlow.Cli;

/// <summary>How the tool reads and writes times and figures.</summary>
internal static partial class Formats
{
    /// <summary>
    /// A point in time from the command line: a duration back from now (<c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>)
    /// or a date and time (ISO 8601; without an offset it is UTC).
    /// </summary>
    public static DateTimeOffset ParseTime(string text, string flag, DateTimeOffset now)
    {
        if (Duration(text) is { } span)
        {
            return now - span;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        throw new CliException($"{flag}: '{text}' is neither a duration back from now (30s, 15m, 1h, 2d, 1w) nor a date and time (2026-12-02T10:00:00Z).");
    }

    /// <summary>A duration from the command line: <c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>, or a number of seconds.</summary>
    public static TimeSpan ParseDuration(string text, string flag)
    {
        var span = Duration(text) ?? (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 1e9 ? (TimeSpan?)TimeSpan.FromSeconds(seconds) : null);
        return span is { } positive && positive > TimeSpan.Zero
            ? positive
            : throw new CliException($"{flag}: '{text}' is not a positive duration (30s, 2m, 1h, or a number of seconds).");
    }

    public static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    public static string Age(TimeSpan? age) => age switch
    {
        null => "-",
        { TotalSeconds: < 60 } a => a.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s",
        { TotalMinutes: < 60 } a => a.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + "m",
        { TotalHours: < 48 } a => a.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + "h",
        { } a => a.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) + "d",
    };

    public static string Number(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "-";

    public static string Rate(double? value) => value?.ToString("0.##", CultureInfo.InvariantCulture) + (value is null ? "-" : "/s");

    private static TimeSpan? Duration(string text)
    {
        var match = Ago().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }

        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => TimeSpan.FromDays(7 * amount),
        };
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)([smhdw])$", RegexOptions.CultureInvariant)]
    private static partial Regex Ago();
}
