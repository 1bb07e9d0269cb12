namespace TaskFlow.Core;

/// <summary>The state a settlement records in the state store.</summary>
/// <param name="State">The state.</param>
/// <param name="Error">The error or reason to store with it.</param>
/// <param name="Durable">Committed before the transport settles (final states, so that a redelivery finds them).</param>
/// <param name="Stack">
/// The exception that ended the attempt, with its stack (<c>Exception.ToString()</c>), for the records that end an attempt
/// in an error (retrying, failed, dead-lettered with an exception); the state store keeps it with the attempt.
/// </param>
internal readonly record struct StateRecord(TaskState State, string? Error, bool Durable, string? Stack = null);
