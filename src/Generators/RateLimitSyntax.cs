using System.Globalization;

namespace TaskFlow.Generators;

/// <summary>
/// The rate syntax of <c>[Task(RateLimit)]</c>, <c>n/s</c>, <c>n/m</c> or <c>n/h</c>, checked at compile time exactly as the
/// runtime's <c>TaskFlow.TaskRateLimit.Parse</c> reads it (counts 1 to 1,000,000; bursts 1 to 10,000).
/// </summary>
internal static class RateLimitSyntax
{
    public const int MaxCount = 1_000_000;

    public const int MaxBurst = 10_000;

    /// <summary>The count and the period in seconds, or why the text is not a rate.</summary>
    public static bool TryParse(string text, out int count, out int periodSeconds, out string problem)
    {
        count = 0;
        periodSeconds = 0;
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            problem = "write it as a count per second, minute or hour, e.g. \"100/m\" (forms n/s, n/m, n/h)";
            return false;
        }

        var unit = text.Substring(slash + 1);
        switch (unit)
        {
            case "s":
                periodSeconds = 1;
                break;
            case "m":
                periodSeconds = 60;
                break;
            case "h":
                periodSeconds = 3600;
                break;
            default:
                problem = "the unit '" + unit + "' is not s, m or h (forms n/s, n/m, n/h)";
                return false;
        }

        var number = text.Substring(0, slash);
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxCount)
        {
            problem = "the count '" + number + "' is not a whole number from 1 to 1,000,000";
            return false;
        }

        problem = string.Empty;
        return true;
    }
}
