using System;

namespace TaskFlow;

/// <summary>What became of one task of a batch (<see cref="TaskBatchException.Outcomes"/>).</summary>
/// <param name="Index">The task's position in the batch.</param>
/// <param name="TaskId">The task's id.</param>
/// <param name="Handle">The task's handle when it was enqueued (confirmed by the broker, or written to the outbox); <c>null</c> when it was not.</param>
/// <param name="Error">Why it was not enqueued; <c>null</c> when it was.</param>
public sealed record TaskBatchOutcome(int Index, string TaskId, TaskHandle? Handle, Exception? Error)
{
    /// <summary>Whether the task was enqueued.</summary>
    public bool Sent => Error is null;
}
