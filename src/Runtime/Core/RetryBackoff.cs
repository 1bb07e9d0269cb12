namespace TaskFlow;

/// <summary>How the delay between retries grows.</summary>
public enum RetryBackoff
{
    /// <summary>Every retry waits <see cref="RetryPolicy.Delay"/>.</summary>
    Fixed,

    /// <summary>Retry n waits <see cref="RetryPolicy.Delay"/> x 2^(n-1), capped at <see cref="RetryPolicy.MaxDelay"/> (Celery's <c>retry_backoff</c>).</summary>
    Exponential,
}
