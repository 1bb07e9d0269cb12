using System;
using System.Collections.Generic;

namespace TaskFlow.Scheduling;

/// <summary>
/// The scheduler (<c>AddScheduler()</c>): one lease in the database decides which of any number of processes fires the
/// schedules. A holder that dies is replaced within <see cref="LeaseDuration"/> + <see cref="TickInterval"/> (11 s by default).
/// </summary>
public sealed class SchedulerOptions
{
    /// <summary>How long a lease lasts without renewal; the holder renews it every third of it. Default 10 s (1 s to 5 min). The bound on a takeover, with <see cref="TickInterval"/>.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the holder looks for due fires (sooner when a fire is due sooner) and other processes try the lease. Default 1 s (10 ms to 1 min).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A fire seen later than this after its time counts as missed and follows its schedule's <see cref="CatchUpPolicy"/>; earlier, it is sent. Default 1 min (must exceed <see cref="LeaseDuration"/> + <see cref="TickInterval"/>, so a takeover misses nothing).</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The lease's name: schedulers with the same name (in the same schema) elect one holder. Default <c>default</c>.</summary>
    public string LeaseName { get; set; } = "default";

    /// <summary>At most this many fires of one schedule per tick (a long catch-up goes on at the next tick). Default 1,000.</summary>
    public int MaxFiresPerTick { get; set; } = 1000;

    /// <summary>Whether this process upserts the schedules declared in code at start-up. Default <see langword="true"/>.</summary>
    public bool UpsertDeclaredSchedules { get; set; } = true;

    internal List<string> Problems()
    {
        var problems = new List<string>();
        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromMinutes(5))
        {
            problems.Add($"TaskFlow:Scheduler:LeaseDuration must be between 00:00:01 and 00:05:00; got {LeaseDuration}.");
        }

        if (TickInterval < TimeSpan.FromMilliseconds(10) || TickInterval > TimeSpan.FromMinutes(1))
        {
            problems.Add($"TaskFlow:Scheduler:TickInterval must be between 00:00:00.010 and 00:01:00; got {TickInterval}.");
        }

        if (MisfireThreshold <= LeaseDuration + TickInterval)
        {
            problems.Add($"TaskFlow:Scheduler:MisfireThreshold ({MisfireThreshold}) must exceed LeaseDuration + TickInterval ({LeaseDuration + TickInterval}), or a takeover would count on-time fires as missed.");
        }

        if (string.IsNullOrWhiteSpace(LeaseName) || LeaseName.Length > 100)
        {
            problems.Add("TaskFlow:Scheduler:LeaseName must be 1 to 100 characters long.");
        }

        if (MaxFiresPerTick is < 1 or > 100_000)
        {
            problems.Add($"TaskFlow:Scheduler:MaxFiresPerTick must be between 1 and 100000; got {MaxFiresPerTick}.");
        }

        return problems;
    }
}
