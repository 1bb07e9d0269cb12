using System;
using System.Globalization;
using System.Net;

namespace TaskFlow.Dashboard.Internal;

/// <summary>Encoding and formatting for the pages: every value from the store or the broker goes through <see cref="E"/>.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string U(string? text) => Uri.EscapeDataString(text ?? "");

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(long? value) => value is { } v ? Number(v) : "-";

    public static string Rate(double? value) => value is { } v ? v.ToString(v < 10 ? "0.#" : "N0", CultureInfo.InvariantCulture) + "/s" : "-";

    public static string Time(DateTimeOffset? time) => time is { } t
        ? $"<time datetime=\"{t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}\">{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z</time>"
        : "-";

    public static string Age(TimeSpan? age)
    {
        if (age is not { } a)
        {
            return "-";
        }

        if (a < TimeSpan.Zero)
        {
            a = TimeSpan.Zero;
        }

        return a.TotalSeconds < 60 ? a.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s"
            : a.TotalMinutes < 60 ? a.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + "m"
            : a.TotalHours < 48 ? a.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + "h"
            : a.TotalDays.ToString("0", CultureInfo.InvariantCulture) + "d";
    }

    public static string State(TaskState state) =>
        $"<span class=\"state state-{state.ToWireName()}\">{state.ToWireName()}</span>";

    /// <summary>A short id for tables (full id in the title).</summary>
    public static string Short(string? text, int length = 60) =>
        text is null ? "-" : text.Length <= length ? E(text) : $"<span title=\"{E(text)}\">{E(text[..length])}…</span>";
}
