using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>One message taken by a <see cref="QueueDrain"/>: its tag, properties and a copy of its body.</summary>
internal sealed record Delivery(ulong Tag, IReadOnlyBasicProperties Properties, byte[] Body);
