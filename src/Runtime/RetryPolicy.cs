using System;
using System.Collections.Generic;

namespace TaskFlow;

/// <summary>How the delay between retries grows.</summary>
public enum RetryBackoff
{
    /// <summary>Every retry waits <see cref="RetryPolicy.Delay"/>.</summary>
    Fixed,

    /// <summary>Retry n waits <see cref="RetryPolicy.Delay"/> x 2^(n-1), capped at <see cref="RetryPolicy.MaxDelay"/> (Celery's <c>retry_backoff</c>).</summary>
    Exponential,
}

/// <summary>
/// When and how often a failed task is retried. A retried task keeps its id; its <c>retries</c> header
/// grows by one; it travels through the broker's delay levels (never held in worker memory); the original
/// message is acked only after the retry was confirmed. After the last retry the message is dead-lettered.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>No retries: a failure is dead-lettered at once. The default.</summary>
    public static RetryPolicy None { get; } = new() { MaxRetries = 0 };

    /// <summary>How many times to retry after the first attempt (0-1000). Default 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Fixed or exponential backoff. Default exponential.</summary>
    public RetryBackoff Backoff { get; init; } = RetryBackoff.Exponential;

    /// <summary>The first retry's delay (and every retry's, with fixed backoff). Default 1 s.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay exponential backoff may reach. Default 10 minutes (Celery's <c>retry_backoff_max</c>).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// "Full jitter": each delay is a random value between 0 and the computed delay (Celery's <c>retry_jitter</c>),
    /// so that retries of tasks that failed together do not arrive together. Default true.
    /// </summary>
    public bool Jitter { get; init; } = true;

    /// <summary>An explicit schedule: retry n waits <c>Schedule[n-1]</c> (the last entry repeats). Overrides <see cref="Backoff"/>.</summary>
    public IReadOnlyList<TimeSpan>? Schedule { get; init; }

    /// <summary>
    /// Which exceptions are retried; others fail at once. Default: all but <see cref="TaskArgumentException"/>
    /// (bad input never becomes good by waiting). Generated from <see cref="RetryAttribute.RetryOn"/> and
    /// <see cref="RetryAttribute.DoNotRetryOn"/> without reflection.
    /// </summary>
    public Func<Exception, bool>? ShouldRetry { get; init; }

    /// <summary>Whether an attempt that failed with <paramref name="exception"/> after <paramref name="retries"/> retries is retried.</summary>
    public bool Allows(Exception exception, int retries)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (retries >= MaxRetries || exception is TaskArgumentException)
        {
            return false;
        }

        return ShouldRetry?.Invoke(exception) ?? true;
    }

    /// <summary>The delay before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public TimeSpan DelayFor(int retry, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        retry = Math.Max(1, retry);
        TimeSpan delay;
        if (Schedule is { Count: > 0 } schedule)
        {
            return schedule[Math.Min(retry, schedule.Count) - 1];
        }

        if (Backoff == RetryBackoff.Fixed)
        {
            delay = Delay;
        }
        else
        {
            var factor = Math.Pow(2, Math.Min(retry - 1, 62));
            var ticks = Math.Min(Delay.Ticks * factor, MaxDelay.Ticks);
            delay = TimeSpan.FromTicks((long)ticks);
        }

        if (delay > MaxDelay && Backoff == RetryBackoff.Exponential)
        {
            delay = MaxDelay;
        }

        return Jitter ? TimeSpan.FromTicks((long)(delay.Ticks * random.NextDouble())) : delay;
    }

    internal IEnumerable<string> Validate(string owner)
    {
        if (MaxRetries is < 0 or > 1000)
        {
            yield return $"{owner}: MaxRetries must be between 0 and 1000 (got {MaxRetries}).";
        }

        if (Delay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
        {
            yield return $"{owner}: Delay and MaxDelay must not be negative.";
        }

        if (MaxDelay > Internal.DelayLevels.MaxDelay || Delay > Internal.DelayLevels.MaxDelay)
        {
            yield return $"{owner}: retry delays must not exceed {Internal.DelayLevels.MaxDelay.TotalDays:F1} days, the longest delay the broker's delay levels carry.";
        }

        if (Schedule is not null)
        {
            foreach (var step in Schedule)
            {
                if (step < TimeSpan.Zero || step > Internal.DelayLevels.MaxDelay)
                {
                    yield return $"{owner}: every Schedule entry must be between 0 and {Internal.DelayLevels.MaxDelay.TotalDays:F1} days (got {step}).";
                }
            }
        }
    }
}

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

/// <summary>The task ran past its hard time limit: the worker stopped waiting and failed the attempt.</summary>
public sealed class TaskTimeLimitExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskTimeLimitExceededException(string taskName, TimeSpan limit)
        : base($"Task '{taskName}' exceeded its hard time limit of {limit.TotalSeconds:0.###} s; the worker stopped waiting for it (the abandoned work may still be running in the background).")
    {
        TaskName = taskName;
        Limit = limit;
    }

    /// <summary>The task.</summary>
    public string TaskName { get; }

    /// <summary>The hard limit.</summary>
    public TimeSpan Limit { get; }
}
