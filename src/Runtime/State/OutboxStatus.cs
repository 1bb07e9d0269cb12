using System;
using System.Collections.Generic;

namespace TaskFlow.State;

/// <summary>How many outbox transactions wait for the relay, and which ones keep failing.</summary>
/// <param name="Pending">Committed outbox transactions not yet published.</param>
/// <param name="Failing">Of those, how many failed at least once.</param>
/// <param name="Oldest">When the oldest one was written.</param>
/// <param name="Failures">Up to 20 failing ones, oldest first.</param>
public sealed record OutboxStatus(long Pending, long Failing, DateTimeOffset? Oldest, IReadOnlyList<OutboxFailure> Failures);
