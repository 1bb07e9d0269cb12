using System;

namespace TaskFlow;

/// <summary>
/// Retry policy of one task, read by the source generator (no reflection at run time). Overridden per task
/// name by <see cref="TaskFlowOptions.RetryPolicies"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RetryAttribute : Attribute
{
    /// <summary>Retry up to <paramref name="maxRetries"/> times after the first attempt.</summary>
    public RetryAttribute(int maxRetries)
    {
        MaxRetries = maxRetries;
    }

    /// <summary>How many times to retry after the first attempt.</summary>
    public int MaxRetries { get; }

    /// <summary>Fixed or exponential. Default exponential.</summary>
    public RetryBackoff Backoff { get; set; } = RetryBackoff.Exponential;

    /// <summary>First (or fixed) delay in seconds. Default 1.</summary>
    public double DelaySeconds { get; set; } = 1;

    /// <summary>Cap of exponential backoff in seconds. Default 600.</summary>
    public double MaxDelaySeconds { get; set; } = 600;

    /// <summary>Full jitter on each delay. Default true.</summary>
    public bool Jitter { get; set; } = true;

    /// <summary>An explicit schedule in seconds (overrides <see cref="Backoff"/>; the last entry repeats).</summary>
    public double[]? ScheduleSeconds { get; set; }

    /// <summary>Retry only these exception types (and subclasses).</summary>
    public Type[]? RetryOn { get; set; }

    /// <summary>Never retry these exception types (and subclasses): they fail at once.</summary>
    public Type[]? DoNotRetryOn { get; set; }
}
