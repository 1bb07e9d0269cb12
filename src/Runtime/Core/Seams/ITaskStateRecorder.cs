using System;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// What the core tells a state store, at fixed points of a task's life: before and after it is sent, before it
/// runs (the idempotency check), when it starts, and its state after each run. The core owns this seam; the state
/// store implements it (<see cref="NoStateRecorder"/> when there is none). Nothing else of the store is reached into.
/// </summary>
internal interface ITaskStateRecorder : ITaskSendRecorder
{
    /// <summary>False for <see cref="NoStateRecorder"/>: nothing is recorded, nothing to overlap with task runs.</summary>
    bool IsActive { get; }

    /// <summary>Whether states of this task are recorded (and its redeliveries checked).</summary>
    bool Tracks(string taskName);

    /// <summary>The idempotency check before a run: the wire name of the task's state when it is final (skip it), else <c>null</c>.</summary>
    ValueTask<string?> FinalStateAsync(IncomingTask task, CancellationToken cancellationToken);

    /// <summary>A run starts (inside its task slot): revoke tracking, the run's unit of work, the started record. <c>null</c>: nothing to track.</summary>
    ValueTask<IRunRecord?> BeginRunAsync(IncomingTask task, string queue, CancellationToken cancellationToken);

    /// <summary>
    /// Records the state a settlement asks for (<see cref="StateRecord"/>). Durable records are committed before this
    /// returns, so the transport settles (acks) only after them. Never throws: a failed write is logged.
    /// </summary>
    ValueTask RecordAsync(IncomingTask task, string queue, TaskDescriptor? descriptor, StateRecord record, object? result);

    /// <summary>A message was acked without running because its state was final (logged by the store).</summary>
    void Skipped(IncomingTask task, string detail);
}
