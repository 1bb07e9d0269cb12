using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>Acks one delivery before its task has finished (lease mode); implemented by the transport's consumer.</summary>
internal interface IEarlyAcknowledger
{
    /// <summary>Acks the delivery now. Never throws: a lost ack only means a redelivered copy, which the lease skips.</summary>
    ValueTask AcknowledgeAsync(ulong deliveryTag);
}

/// <summary>The transport's early ack for one delivery, handed to the executor (no allocation per message).</summary>
internal readonly record struct EarlyAck(IEarlyAcknowledger? Owner, ulong DeliveryTag)
{
    /// <summary>False in eager mode: lease mode is not used.</summary>
    public bool IsAvailable => Owner is not null;

    public ValueTask AcknowledgeAsync() => Owner!.AcknowledgeAsync(DeliveryTag);
}
