using System;
using System.Collections.Generic;

namespace TaskFlow.RabbitMq;

/// <summary>
/// Which dead letters an operation of <see cref="RabbitMqQueueAdmin"/> applies to. Every criterion set must match (and);
/// none set matches every dead letter. Text criteria compare ordinally; <see cref="ExceptionType"/> also matches the
/// type's short name (<c>TimeoutException</c> for <c>System.TimeoutException</c>).
/// </summary>
public sealed class DeadLetterFilter
{
    /// <summary>The task name (header <c>task</c>), exactly.</summary>
    public string? TaskName { get; set; }

    /// <summary>The exception type: its full name, or the part after the last dot.</summary>
    public string? ExceptionType { get; set; }

    /// <summary>Dead-lettered at or after this time (<see cref="DeadLetter.FailedAt"/>; a dead letter without a time does not match).</summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Dead-lettered before this time.</summary>
    public DateTimeOffset? Until { get; set; }

    /// <summary>The entity key (header <c>x-taskflow-entity</c>), exactly.</summary>
    public string? EntityKey { get; set; }

    /// <summary>Only these task ids (empty: any).</summary>
    public ISet<string> TaskIds { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>At most this many dead letters are taken (listed, re-driven or discarded); <c>null</c>: all that match.</summary>
    public int? Limit { get; set; }

    /// <summary>Whether <paramref name="deadLetter"/> meets every criterion set (<see cref="Limit"/> aside).</summary>
    public bool Matches(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        if (TaskName is not null && !string.Equals(TaskName, deadLetter.TaskName, StringComparison.Ordinal))
        {
            return false;
        }

        if (ExceptionType is not null
            && !(string.Equals(ExceptionType, deadLetter.ExceptionType, StringComparison.Ordinal)
                 || (deadLetter.ExceptionType is { } type && type.EndsWith("." + ExceptionType, StringComparison.Ordinal))))
        {
            return false;
        }

        if (Since is { } since && !(deadLetter.FailedAt >= since))
        {
            return false;
        }

        if (Until is { } until && !(deadLetter.FailedAt < until))
        {
            return false;
        }

        if (EntityKey is not null && !string.Equals(EntityKey, deadLetter.EntityKey, StringComparison.Ordinal))
        {
            return false;
        }

        return TaskIds.Count == 0 || (deadLetter.TaskId is { } id && TaskIds.Contains(id));
    }
}
