using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace TaskFlow.TestSupport;

/// <summary>Polls a condition against real parts (broker, database, processes) until it holds.</summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds (checked every 50 ms), or throws a <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout} waiting until {what}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
