using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The frames go out on a RabbitMQ channel.</summary>
internal sealed class ChannelAckSink : IAckSink
{
    private readonly IChannel _channel;

    public ChannelAckSink(IChannel channel)
    {
        _channel = channel;
    }

    public ValueTask AckAsync(ulong deliveryTag, bool multiple) => _channel.BasicAckAsync(deliveryTag, multiple, CancellationToken.None);

    public ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure) => countsAsFailure
        ? _channel.BasicRejectAsync(deliveryTag, requeue: true, CancellationToken.None)
        : _channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None);
}
