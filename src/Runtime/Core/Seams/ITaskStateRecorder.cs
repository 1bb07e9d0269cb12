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

    /// <summary>
    /// The idempotency check before a run: the wire name of the task's state when it is final (skip it), and how many
    /// runs the store has counted (so that <see cref="IncomingTask.Attempt"/> counts runs rolled back by a kill too).
    /// </summary>
    ValueTask<PriorRuns> PriorRunsAsync(IncomingTask task, CancellationToken cancellationToken);

    /// <summary>
    /// A run starts (inside its task slot): revoke tracking, the run's unit of work, the started record with
    /// <see cref="IncomingTask.Attempt"/>. <c>null</c>: nothing to track.
    /// </summary>
    ValueTask<IRunRecord?> BeginRunAsync(IncomingTask task, string queue, CancellationToken cancellationToken);

    /// <summary>
    /// Lease mode (long-running tasks): in one transaction, takes the task's lease (holder, fencing token, expiry,
    /// and the message's headers and body so that a reaper can send it again) and records the run as started with
    /// the next attempt number; the transport acks the message after this returns. The lease is renewed by heartbeat
    /// until <see cref="ILeasedRun.ReleaseAsync"/>; when renewal finds the lease taken over, the run's token is
    /// cancelled. Returns a skip reason instead when the task is final or another live holder has the lease.
    /// </summary>
    ValueTask<LeaseStart> AcquireLeaseAsync(IncomingTask task, string queue, CancellationToken cancellationToken);

    /// <summary>
    /// Records the state a settlement asks for (<see cref="StateRecord"/>). Durable records are committed before this
    /// returns, so the transport settles (acks) only after them. Never throws: a failed write is logged.
    /// </summary>
    ValueTask RecordAsync(IncomingTask task, string queue, TaskDescriptor? descriptor, StateRecord record, object? result);

    /// <summary>
    /// A message that names a task id could not be decoded (malformed body, unsupported content type or envelope) and
    /// is dead-lettered: records the task as dead-lettered with <paramref name="error"/>, so that waiting on its id
    /// reports why. Never throws.
    /// </summary>
    ValueTask RecordUndecodableAsync(string taskId, string? taskName, string queue, string error);

    /// <summary>
    /// A dead letter moved back to a work queue (<see cref="TaskHeaders.IsRedrive"/>) found its task failed or
    /// dead-lettered: reopens the record (back to pending) so that it runs once more. Atomic: of several copies of the
    /// same dead letter (an interrupted re-drive), one reopens it and the others find it reopened (skip). Never throws for
    /// the database: an unreachable store is <see cref="ReopenResult.StoreUnavailable"/>.
    /// </summary>
    ValueTask<ReopenResult> ReopenAsync(IncomingTask task, CancellationToken cancellationToken);

    /// <summary>A message was acked without running because its state was final (logged by the store).</summary>
    void Skipped(IncomingTask task, string detail);
}
