namespace TaskFlow.Core;

/// <summary>The sender this service provider sends with: eager mode's, else the transport's. The state store's outbox relay uses it too.</summary>
/// <param name="Sender">The sender.</param>
internal sealed record ActiveSender(ITaskSender Sender);
