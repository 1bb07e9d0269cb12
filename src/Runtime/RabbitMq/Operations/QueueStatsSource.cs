namespace TaskFlow.RabbitMq;

/// <summary>Where <see cref="QueueStats"/> came from, which says what it can hold.</summary>
public enum QueueStatsSource
{
    /// <summary>The RabbitMQ management HTTP API (<see cref="RabbitMqOptions.ManagementUri"/>): every figure the broker keeps.</summary>
    ManagementApi,

    /// <summary>
    /// Passive queue declarations over AMQP (the management API was not reachable): ready messages and consumers only;
    /// unacknowledged messages, rates and the oldest message's age are unknown (<c>null</c>).
    /// </summary>
    PassiveDeclare,
}
