namespace TaskFlow.Core;

/// <summary>The state a settlement records in the state store.</summary>
/// <param name="State">The state.</param>
/// <param name="Error">The error or reason to store with it.</param>
/// <param name="Durable">Committed before the transport settles (final states, so that a redelivery finds them).</param>
internal readonly record struct StateRecord(TaskState State, string? Error, bool Durable);
