namespace TaskFlow.RabbitMq;

/// <summary>RabbitMQ queue types TaskFlow declares.</summary>
public enum QueueType
{
    /// <summary>Replicated, durable, with at-least-once dead-lettering and a delivery limit. The default.</summary>
    Quorum,

    /// <summary>Classic durable queue (for consumers that need global QoS, e.g. Celery 5.2 workers).</summary>
    Classic,
}
