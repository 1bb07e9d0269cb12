namespace TaskFlow.RabbitMq;

/// <summary>How far a re-drive or discard has come (reported through <see cref="DeadLetterMoveOptions.Progress"/>).</summary>
/// <param name="Total">Messages in the dead-letter queue when the operation started: the most it examines.</param>
/// <param name="Examined">Messages looked at so far.</param>
/// <param name="Done">Matching messages re-driven (confirmed and removed from the dead-letter queue) or discarded so far.</param>
/// <param name="Failed">Matching messages that could not be re-driven (left in the dead-letter queue).</param>
public readonly record struct DeadLetterProgress(long Total, long Examined, long Done, long Failed);
