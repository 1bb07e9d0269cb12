using System;

namespace TaskFlow.RabbitMq;

/// <summary>One queue as the broker sees it now (<see cref="RabbitMqQueueAdmin.GetQueueStatsAsync"/>).</summary>
/// <param name="Name">The queue.</param>
/// <param name="Type">The RabbitMQ queue type (<c>quorum</c>, <c>classic</c>), when the management API tells it.</param>
/// <param name="Ready">Messages waiting to be delivered.</param>
/// <param name="Unacknowledged">Messages delivered to consumers and not yet settled; <c>null</c> from passive declares.</param>
/// <param name="Consumers">Consumers of the queue (a TaskFlow worker has one per queue).</param>
/// <param name="PublishRate">Messages published to it per second (the broker's recent average); <c>null</c> when unknown.</param>
/// <param name="DeliverRate">Messages delivered from it per second; <c>null</c> when unknown.</param>
/// <param name="OldestMessageAge">
/// How long the message at the head of the queue has waited, from its AMQP <c>timestamp</c> property, where the broker
/// reports it (the management API's <c>head_message_timestamp</c>: classic queues, messages that carry a timestamp);
/// <c>null</c> when unknown or the queue is empty.
/// </param>
/// <param name="DeadLetterQueue">Its dead-letter queue (<c>{queue}.dead</c>), or <c>null</c> for a queue without one.</param>
/// <param name="DeadLetters">Messages in the dead-letter queue; <c>null</c> when there is none.</param>
/// <param name="Source">Where the figures came from.</param>
public sealed record QueueStats(
    string Name,
    string? Type,
    long Ready,
    long? Unacknowledged,
    long Consumers,
    double? PublishRate,
    double? DeliverRate,
    TimeSpan? OldestMessageAge,
    string? DeadLetterQueue,
    long? DeadLetters,
    QueueStatsSource Source);
