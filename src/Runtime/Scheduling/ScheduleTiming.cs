using System;
using System.Globalization;
using Cronos;

namespace TaskFlow.Scheduling;

/// <summary>
/// A schedule's fire times: a Cronos expression in a time zone, or a fixed interval aligned on the Unix epoch. Pure:
/// every scheduler computes the same times from the same definition, which is what makes fire task ids agree.
/// </summary>
/// <remarks>
/// Daylight saving time, as Cronos handles it: a time that does not exist on the spring-forward day (02:30 in
/// Europe/Paris on the last Sunday of March) fires once, at the end of the gap (03:00 local); a time that occurs twice
/// in autumn fires once, at its first occurrence (summer time), unless the expression steps through the hour
/// (<c>*/30 * * * *</c>, <c>0 * * * *</c>): then it fires in both occurrences of the repeated hour, since those are
/// distinct instants. Intervals are in absolute time and ignore time zones.
/// </remarks>
internal sealed class ScheduleTiming
{
    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;
    private readonly long _everyTicks;

    private ScheduleTiming(CronExpression? cron, TimeZoneInfo zone, TimeSpan? every)
    {
        _cron = cron;
        _zone = zone;
        _everyTicks = every?.Ticks ?? 0;
    }

    /// <summary>The smallest interval a schedule takes.</summary>
    public static TimeSpan ShortestInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Parses a schedule's timing; throws <see cref="ArgumentException"/> saying what to change.</summary>
    public static ScheduleTiming Parse(string name, string? cron, TimeSpan? every, string? timeZone)
    {
        if ((cron is null) == (every is null))
        {
            throw new ArgumentException($"TaskFlow: schedule '{name}' needs either a cron expression or an interval (Every), not {(cron is null ? "neither" : "both")}.", nameof(cron));
        }

        var zone = TimeZoneInfo.Utc;
        if (!string.IsNullOrWhiteSpace(timeZone))
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new ArgumentException($"TaskFlow: schedule '{name}': time zone '{timeZone}' is not known on this machine; use an IANA id such as Europe/Paris or America/New_York (or UTC).", nameof(timeZone), ex);
            }
        }

        if (every is { } interval)
        {
            if (interval < ShortestInterval || interval.Ticks % TimeSpan.TicksPerMillisecond != 0)
            {
                throw new ArgumentException($"TaskFlow: schedule '{name}': the interval must be at least 1 second and a whole number of milliseconds; got {interval}.", nameof(every));
            }

            return new ScheduleTiming(null, zone, interval);
        }

        return new ScheduleTiming(ParseCron(name, cron!), zone, null);
    }

    /// <summary>Parses a cron expression: 5 fields, 6 with seconds first, or a macro.</summary>
    public static CronExpression ParseCron(string name, string cron)
    {
        var trimmed = cron.Trim();
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(trimmed, !trimmed.StartsWith('@') && fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException(
                $"TaskFlow: schedule '{name}': '{cron}' is not a valid cron expression ({ex.Message}). Write 5 fields (minute hour day-of-month month day-of-week, e.g. \"*/5 * * * *\"), 6 with seconds first (\"*/10 * * * * *\"), or a macro such as @daily.",
                nameof(cron),
                ex);
        }
    }

    /// <summary>Parses an interval written as a <see cref="TimeSpan"/> (<c>00:05:00</c>, <c>1.00:00:00</c>).</summary>
    public static TimeSpan? ParseInterval(string name, string? every)
    {
        if (every is null)
        {
            return null;
        }

        if (!TimeSpan.TryParse(every, CultureInfo.InvariantCulture, out var interval))
        {
            throw new ArgumentException($"TaskFlow: schedule '{name}': '{every}' is not an interval; write it as hh:mm:ss (\"00:05:00\") or d.hh:mm:ss.", nameof(every));
        }

        return interval;
    }

    /// <summary>The first fire strictly after <paramref name="after"/> (UTC), or <see langword="null"/> when the expression never fires again.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        if (_cron is null)
        {
            var ticks = after.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            var multiple = ticks / _everyTicks;
            if (ticks < 0 && ticks % _everyTicks != 0)
            {
                multiple--; // floor division before the epoch
            }

            var next = (multiple + 1) * _everyTicks;
            return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + next, TimeSpan.Zero);
        }

        return _cron.GetNextOccurrence(after.ToUniversalTime(), _zone)?.ToUniversalTime();
    }
}
