namespace TaskFlow.RabbitMq;

/// <summary>What a re-drive or a discard did (<see cref="RabbitMqQueueAdmin.RedriveDeadLettersAsync"/>, <see cref="RabbitMqQueueAdmin.DiscardDeadLettersAsync"/>).</summary>
/// <param name="DeadLetterQueue">The dead-letter queue.</param>
/// <param name="Examined">Messages looked at (at most those in the queue at the start).</param>
/// <param name="Matched">Messages that matched the filter (up to its limit).</param>
/// <param name="Done">Matching messages re-driven (published to their queue, confirmed, then removed) or discarded.</param>
/// <param name="Failed">Matching messages not re-driven (unroutable, refused or unconfirmed): left in the dead-letter queue.</param>
/// <param name="Remaining">Messages in the dead-letter queue afterwards (others may have arrived meanwhile).</param>
public sealed record DeadLetterMoveResult(string DeadLetterQueue, long Examined, long Matched, long Done, long Failed, long Remaining);
