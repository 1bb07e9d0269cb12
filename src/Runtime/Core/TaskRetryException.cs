using System;

namespace TaskFlow;

/// <summary>Thrown by <see cref="TaskContext.Retry"/>: the task asks to be retried.</summary>
public sealed class TaskRetryException : Exception
{
    /// <summary>Creates the request.</summary>
    public TaskRetryException(string taskName, TimeSpan? countdown, Exception? reason)
        : base(reason is null ? $"Task '{taskName}' asked to be retried." : $"Task '{taskName}' asked to be retried: {reason.Message}", reason)
    {
        Countdown = countdown;
    }

    /// <summary>Wait this long before the retry; <c>null</c> uses the task's retry policy.</summary>
    public TimeSpan? Countdown { get; }
}
