using System;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>One queue as the management API reports it.</summary>
internal sealed record ManagedQueue(
    string Name,
    string? Type,
    long Ready,
    long Unacknowledged,
    long Consumers,
    double PublishRate,
    double DeliverRate,
    DateTimeOffset? HeadMessageTimestamp,
    string? DeadLetterExchange);
