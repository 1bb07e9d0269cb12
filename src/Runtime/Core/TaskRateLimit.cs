using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace TaskFlow;

/// <summary>
/// A rate limit: at most <see cref="Count"/> runs per <see cref="Period"/> (one second, minute or hour), spaced evenly,
/// with up to <see cref="Burst"/> runs at once after a quiet spell. Written <c>"100/m"</c> in
/// <c>[Task(RateLimit = "100/m")]</c> (forms <c>n/s</c>, <c>n/m</c>, <c>n/h</c>); enforced across every worker through the
/// state store. See docs/flow-control.md#rate-limits.
/// </summary>
public sealed class TaskRateLimit : IEquatable<TaskRateLimit>
{
    /// <summary>The largest count a rate may give: 1,000,000.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>The largest burst: 10,000.</summary>
    public const int MaxBurst = 10_000;

    /// <summary>A rate of <paramref name="count"/> runs per <paramref name="period"/>.</summary>
    /// <param name="count">Runs per period, 1 to <see cref="MaxCount"/>.</param>
    /// <param name="period">One second, one minute or one hour.</param>
    /// <param name="burst">Runs allowed at once after a quiet spell, 1 (the default: evenly spaced) to <see cref="MaxBurst"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public TaskRateLimit(int count, TimeSpan period, int burst = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(burst, MaxBurst);
        if (UnitOf(period) is null)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "TaskFlow: a rate limit's period is one second, one minute or one hour.");
        }

        Count = count;
        Period = period;
        Burst = burst;
    }

    /// <summary>Runs allowed per <see cref="Period"/>.</summary>
    public int Count { get; }

    /// <summary>One second, one minute or one hour.</summary>
    public TimeSpan Period { get; }

    /// <summary>Runs allowed at once after a quiet spell (1: every run waits its turn, <see cref="EmissionInterval"/> after the last).</summary>
    public int Burst { get; }

    /// <summary>The spacing of runs: <see cref="Period"/> / <see cref="Count"/>, rounded up to a whole tick (so the rate is never exceeded).</summary>
    public TimeSpan EmissionInterval => TimeSpan.FromTicks((Period.Ticks + Count - 1) / Count);

    /// <summary>Parses <c>n/s</c>, <c>n/m</c> or <c>n/h</c> (e.g. <c>"100/m"</c>), with a burst of 1.</summary>
    /// <exception cref="FormatException">The text is not a rate; the message says why.</exception>
    public static TaskRateLimit Parse(string text) =>
        TryParse(text, out var limit, out var problem) ? limit : throw new FormatException($"TaskFlow: '{text}' is not a rate limit: {problem}.");

    /// <summary>Parses <c>n/s</c>, <c>n/m</c> or <c>n/h</c>; <c>false</c> when the text is not a rate.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out TaskRateLimit? limit) => TryParse(text, out limit, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out TaskRateLimit? limit, out string problem)
    {
        limit = null;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0)
        {
            problem = "write it as a count per second, minute or hour, e.g. \"100/m\" (forms n/s, n/m, n/h)";
            return false;
        }

        var unit = text[(slash + 1)..];
        TimeSpan period;
        switch (unit)
        {
            case "s":
                period = TimeSpan.FromSeconds(1);
                break;
            case "m":
                period = TimeSpan.FromMinutes(1);
                break;
            case "h":
                period = TimeSpan.FromHours(1);
                break;
            default:
                problem = $"the unit '{unit}' is not s, m or h";
                return false;
        }

        if (!int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > MaxCount)
        {
            problem = $"the count '{text[..slash]}' is not a whole number from 1 to {MaxCount.ToString("N0", CultureInfo.InvariantCulture)}";
            return false;
        }

        limit = new TaskRateLimit(count, period);
        problem = string.Empty;
        return true;
    }

    private static string? UnitOf(TimeSpan period) =>
        period == TimeSpan.FromSeconds(1) ? "s" : period == TimeSpan.FromMinutes(1) ? "m" : period == TimeSpan.FromHours(1) ? "h" : null;

    /// <summary>The rate as written in <c>[Task(RateLimit)]</c>, e.g. <c>100/m</c> (and <c>, burst 5</c> when it has one).</summary>
    public override string ToString() =>
        Count.ToString(CultureInfo.InvariantCulture) + "/" + UnitOf(Period) + (Burst > 1 ? ", burst " + Burst.ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <inheritdoc />
    public bool Equals(TaskRateLimit? other) => other is not null && Count == other.Count && Period == other.Period && Burst == other.Burst;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TaskRateLimit);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Count, Period, Burst);
}
