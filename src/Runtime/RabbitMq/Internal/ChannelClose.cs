using System;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Tells a channel-level close (the broker closed this channel for its own reason: 404, 406 consumer_timeout...)
/// from a connection-level one (320 connection forced, 541 internal error, a socket loss). Automatic recovery
/// repairs only the second kind; the publisher and the worker re-create the channel for the first.
/// </summary>
internal static class ChannelClose
{
    public static bool IsChannelLevel(ShutdownEventArgs? reason) =>
        reason is { Initiator: ShutdownInitiator.Peer, ReplyCode: not 320 and not 541 };

    /// <summary>Closed for good: by the broker at channel level, or by us.</summary>
    public static bool IsPermanent(IChannel channel)
    {
        try
        {
            return IsChannelLevel(channel.CloseReason) || channel.CloseReason?.Initiator == ShutdownInitiator.Application;
        }
        catch (ObjectDisposedException)
        {
            return true; // replaced and disposed while the caller looked at it
        }
    }
}
