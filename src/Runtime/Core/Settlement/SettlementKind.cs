namespace TaskFlow.Core;

/// <summary>How a transport settles one received message. Decided once in the core (<see cref="SettlementPolicy"/>).</summary>
internal enum SettlementKind
{
    /// <summary>Done with it (ran, expired, skipped, revoked): acknowledge.</summary>
    Ack,

    /// <summary>
    /// Not run and not its fault (shutdown, a slot never came): give it back untouched. On RabbitMQ a <c>basic.nack</c>
    /// with requeue, which RabbitMQ 4.x quorum queues do not count toward the delivery limit.
    /// </summary>
    HandBack,

    /// <summary>
    /// Could not be settled as decided (the retry or dead-letter copy was not confirmed): return it to the queue as a
    /// failed delivery. On RabbitMQ a <c>basic.reject</c> with requeue, which counts toward the quorum queue's
    /// delivery limit, so a loop ends in the dead-letter queue.
    /// </summary>
    Requeue,

    /// <summary>Failed and retried: send a copy with <c>retries</c> + 1 after <see cref="Settlement.Delay"/>, then ack the original.</summary>
    RetryAfter,

    /// <summary>Arrived before its ETA: send it round again unchanged until <see cref="Settlement.Until"/>, then ack.</summary>
    DeferUntil,

    /// <summary>Failed for good or cannot run: copy it to the dead-letter queue with the reason, then ack.</summary>
    DeadLetter,
}
