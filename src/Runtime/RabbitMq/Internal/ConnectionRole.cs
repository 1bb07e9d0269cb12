namespace TaskFlow.RabbitMq.Internal;

/// <summary>Which long-lived connection a component uses. Publishing and consuming never share one, so that
/// broker flow control on publishers cannot stall acks.</summary>
internal enum ConnectionRole
{
    Publisher,
    Consumer,
}
