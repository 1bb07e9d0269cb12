namespace TaskFlow.RabbitMq;

/// <summary>What the <c>RabbitMqQueueAdmin.PurgeAsync</c> overloads removed.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Purged">Messages removed.</param>
/// <param name="Drained">
/// <c>true</c>: drained message by message, each handed to the callback (e.g. recorded revoked) before its ack;
/// <c>false</c>: removed at once by an AMQP <c>queue.purge</c>.
/// </param>
/// <param name="Remaining">Ready messages left (published meanwhile; messages held unacknowledged by workers are never purged).</param>
public sealed record QueuePurgeResult(string Queue, long Purged, bool Drained, long Remaining);
