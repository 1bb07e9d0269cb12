using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// Reads queues' figures from the broker (the transport implements it: RabbitMQ's management API, passive declares
/// where it is not reachable), for the queue heartbeat of <c>AddProbe</c>: metrics and the <c>queues</c> health part.
/// </summary>
internal interface IQueueStatsReader
{
    Task<IReadOnlyList<QueueSnapshot>> ReadAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken);
}

/// <summary>One queue's figures at one moment; <c>null</c> where the broker (or the way it was asked) cannot tell.</summary>
internal sealed record QueueSnapshot(
    string Queue,
    long Ready,
    long? Unacknowledged,
    long Consumers,
    double? PublishRate,
    double? DeliverRate,
    TimeSpan? OldestMessageAge,
    long? DeadLetters,
    DateTimeOffset At);
