using System;

namespace TaskFlow;

/// <summary>
/// How far a running task has come, as it reported with <see cref="TaskContext.ReportProgressAsync"/>; read it from
/// <see cref="TaskStateInfo.Progress"/> (the handle's <see cref="TaskHandle.GetStateAsync"/>).
/// </summary>
/// <param name="Done">Units of work done.</param>
/// <param name="Total">Units of work in all, when known.</param>
/// <param name="Message">What the task is doing, for people.</param>
public sealed record TaskProgress(long Done, long? Total = null, string? Message = null)
{
    /// <summary>When the store recorded this report (set on read; <c>null</c> on a report being sent).</summary>
    public DateTimeOffset? ReportedAt { get; init; }

    /// <summary><see cref="Done"/> / <see cref="Total"/> between 0 and 1, when the total is known and positive.</summary>
    public double? Fraction => Total is > 0 and var total ? Math.Clamp((double)Done / total, 0, 1) : null;
}
