using System;

namespace TaskFlow.Core;

/// <summary>Limits every transport honours, checked where they are configured (and at compile time by the analyzers).</summary>
internal static class TaskFlowLimits
{
    /// <summary>
    /// The longest retry delay, countdown or ETA: 2^28 - 1 steps of 10 ms, about 31 days, the reach of the RabbitMQ
    /// transport's 28 delay levels (a test checks that they carry exactly this).
    /// </summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromTicks(TimeSpan.FromMilliseconds(10).Ticks * ((1L << 28) - 1));
}
