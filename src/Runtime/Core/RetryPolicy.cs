using System;
using System.Collections.Generic;
using TaskFlow.Core;

namespace TaskFlow;

/// <summary>
/// When and how often a failed task is retried. A retried task keeps its id; its <c>retries</c> header
/// grows by one; it travels through the broker's delay levels (never held in worker memory); the original
/// message is acked only after the retry was confirmed. After the last retry the message is dead-lettered.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>No retries: a failure is dead-lettered at once. The default.</summary>
    /// <remarks>A new instance on each read: configuration binding writes into the options' policy, and must never write into a shared one.</remarks>
    public static RetryPolicy None => new() { MaxRetries = 0 };

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

        if (MaxDelay > TaskFlowLimits.MaxDelay || Delay > TaskFlowLimits.MaxDelay)
        {
            yield return $"{owner}: retry delays must not exceed {TaskFlowLimits.MaxDelay.TotalDays:F1} days, the longest delay the broker's delay levels carry.";
        }

        if (Schedule is not null)
        {
            foreach (var step in Schedule)
            {
                if (step < TimeSpan.Zero || step > TaskFlowLimits.MaxDelay)
                {
                    yield return $"{owner}: every Schedule entry must be between 0 and {TaskFlowLimits.MaxDelay.TotalDays:F1} days (got {step}).";
                }
            }
        }
    }
}
