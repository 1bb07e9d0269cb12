using System;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The broker cannot be reached right now; the publish is retried within its bound.</summary>
internal sealed class BrokerUnavailableException : Exception
{
    public BrokerUnavailableException(string message, Exception? innerException, bool mayHaveReachedBroker = false)
        : base(message, innerException)
    {
        MayHaveReachedBroker = mayHaveReachedBroker;
    }

    /// <summary>The message was handed to the channel before it failed: the broker may have it (no confirm came).</summary>
    public bool MayHaveReachedBroker { get; }
}
