using System;

namespace TaskFlow.State;

/// <summary>An outbox transaction whose publish failed.</summary>
/// <param name="Id">Its id in <c>outbox_transaction</c>.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="Attempts">Failed publish attempts.</param>
/// <param name="NextAttemptAt">When the relay tries again.</param>
/// <param name="LastError">The last error.</param>
public sealed record OutboxFailure(long Id, DateTimeOffset CreatedAt, int Attempts, DateTimeOffset NextAttemptAt, string? LastError);
