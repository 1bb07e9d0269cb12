namespace TaskFlow.Core;

/// <summary>Registered by a transport (<c>UseRabbitMq</c>), so that validation can tell that one is configured without building it.</summary>
/// <param name="Name">The transport's name, for messages.</param>
internal sealed record TransportRegistration(string Name);
