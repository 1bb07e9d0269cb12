using System;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The broker cannot be reached right now; the publish is retried within its bound.</summary>
internal sealed class BrokerUnavailableException : Exception
{
    public BrokerUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
