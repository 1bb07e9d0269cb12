namespace TaskFlow.Generators.Model;

/// <summary>
/// The retry policy from <c>[Retry]</c>, as values; <c>null</c> where the attribute does not set one (then
/// <c>RetryPolicy</c>'s default, which is the attribute's, applies). The emitter writes the <c>RetryPolicy</c>.
/// </summary>
/// <param name="MaxRetries">How many retries after the first attempt.</param>
/// <param name="Backoff">The <c>RetryBackoff</c> value, by member name where it has one.</param>
/// <param name="Delay">Seconds, non-negative and finite.</param>
/// <param name="MaxDelay">Seconds, non-negative and finite.</param>
/// <param name="Jitter">Whether to add full jitter.</param>
/// <param name="Schedule">
/// Seconds per retry, non-negative and finite; <see cref="double.NaN"/> for an entry the compiler gave no number for
/// (the source has an error there), which is written as <c>TimeSpan.Zero</c>.
/// </param>
/// <param name="RetryOn">Exception types that are retried, <c>global::</c>-qualified; empty for all.</param>
/// <param name="DoNotRetryOn">Exception types that are never retried, <c>global::</c>-qualified.</param>
internal sealed record RetrySpec(
    int MaxRetries,
    ConstantSpec? Backoff,
    double? Delay,
    double? MaxDelay,
    bool? Jitter,
    EquatableArray<double>? Schedule,
    EquatableArray<string> RetryOn,
    EquatableArray<string> DoNotRetryOn);
