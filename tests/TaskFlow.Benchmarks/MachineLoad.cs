using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace TaskFlow.Benchmarks;

/// <summary>
/// How busy the machine is apart from the harness (2 cores, shared with other builds): CPU use over a short
/// window from /proc/stat, and a wait for a quiet machine before each timed run.
/// </summary>
internal static class MachineLoad
{
    /// <summary>Percent of all cores busy during <paramref name="window"/>, or NaN where /proc/stat is missing.</summary>
    public static async Task<double> BusyPercentAsync(TimeSpan window)
    {
        var first = Read();
        await Task.Delay(window).ConfigureAwait(false);
        var second = Read();
        if (first is null || second is null)
        {
            return double.NaN;
        }

        var total = second.Value.Total - first.Value.Total;
        var idle = second.Value.Idle - first.Value.Idle;
        return total <= 0 ? double.NaN : 100.0 * (total - idle) / total;
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until less than <paramref name="maxBusyPercent"/> of the CPU is busy; returns the last reading.</summary>
    public static async Task<double> WaitForQuietAsync(double maxBusyPercent, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        double busy;
        var waited = false;
        while ((busy = await BusyPercentAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false)) >= maxBusyPercent && DateTime.UtcNow < deadline)
        {
            if (!waited)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    machine busy ({busy:F0}% CPU by other processes); waiting for < {maxBusyPercent:F0}%"));
                waited = true;
            }
        }

        return busy;
    }

    private static (long Total, long Idle)? Read()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...: idle + iowait is idle.
            return (fields.Take(8).Sum(), fields[3] + fields[4]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>The local broker's Erlang VM (beam.smp), found in /proc (again after a broker restart), and its CPU time so far.</summary>
internal static class BrokerProcess
{
    private static string? _statPath;

    public static bool Found => Locate() is not null;

    public static TimeSpan CpuTime()
    {
        if (Locate() is not { } path)
        {
            return TimeSpan.Zero;
        }

        try
        {
            // Fields after the ")" that ends the command name: state is field 3, utime 14 and stime 15 (clock ticks, USER_HZ = 100).
            var text = File.ReadAllText(path);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            _statPath = null;
            return TimeSpan.Zero;
        }
    }

    private static string? Locate()
    {
        if (_statPath is { } known && File.Exists(known))
        {
            return known;
        }

        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                // The broker node, not a rabbitmqctl VM (also beam.smp): its command line has "-s rabbit boot".
                var comm = Path.Combine(dir, "comm");
                if (File.Exists(comm) && File.ReadAllText(comm).Trim() == "beam.smp"
                    && File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("\0rabbit\0boot", StringComparison.Ordinal))
                {
                    return _statPath = Path.Combine(dir, "stat");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc: CPU figures are left out.
        }

        return null;
    }
}

/// <summary>
/// CPU time of the local PostgreSQL server: all <c>postgres</c> processes (the backends serving the state store
/// included), plus the time of backends that exited, which the postmaster collects (cutime, cstime).
/// </summary>
internal static class DatabaseProcess
{
    public static TimeSpan CpuTime()
    {
        long ticks = 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    var comm = Path.Combine(dir, "comm");
                    if (!File.Exists(comm) || File.ReadAllText(comm).Trim() != "postgres")
                    {
                        continue;
                    }

                    var text = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                    for (var i = 11; i <= 14; i++)
                    {
                        ticks += long.Parse(fields[i], CultureInfo.InvariantCulture);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                    // The process ended while we read it.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
