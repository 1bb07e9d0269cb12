using System;

namespace TaskFlow.RabbitMq;

/// <summary>How <see cref="RabbitMqQueueAdmin.RedriveDeadLettersAsync"/> and <see cref="RabbitMqQueueAdmin.DiscardDeadLettersAsync"/> go about it.</summary>
public sealed class DeadLetterMoveOptions
{
    /// <summary>At most this many messages per second (e.g. not to flood workers); <c>null</c>: as fast as the broker confirms.</summary>
    public double? MaxPerSecond { get; set; }

    /// <summary>Re-driven messages awaiting their publisher confirm at once (1-10000).</summary>
    /// <value>Default 256.</value>
    public int ConfirmWindow { get; set; } = 256;

    /// <summary>Told about progress about every 100 messages and at the end.</summary>
    public IProgress<DeadLetterProgress>? Progress { get; set; }
}
