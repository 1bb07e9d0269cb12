using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>Where <see cref="AckBatcher"/> sends its frames: the consumer's channel (a seam for the tests).</summary>
internal interface IAckSink
{
    ValueTask AckAsync(ulong deliveryTag, bool multiple);

    /// <summary>
    /// Returns a message to its queue: <c>basic.nack</c> with requeue for a hand-back (RabbitMQ 4.x quorum queues do not
    /// count it toward the delivery limit), <c>basic.reject</c> with requeue when <paramref name="countsAsFailure"/> (it counts).
    /// </summary>
    ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure);
}
