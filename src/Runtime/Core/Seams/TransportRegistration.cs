using System;

namespace TaskFlow.Core;

/// <summary>Registered by a transport (<c>UseRabbitMq</c>), so that validation can tell that one is configured without building it.</summary>
/// <param name="Name">The transport's name, for messages.</param>
/// <param name="ConsumerTimeout">The broker's consumer timeout as configured for the transport (RabbitMQ's <c>consumer_timeout</c>), if it has one.</param>
internal sealed record TransportRegistration(string Name, Func<IServiceProvider, TimeSpan?>? ConsumerTimeout = null);
