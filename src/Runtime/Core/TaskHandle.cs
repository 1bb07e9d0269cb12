using System;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;

namespace TaskFlow;

/// <summary>
/// A task that has been enqueued: the broker confirmed the message (or, through the outbox, it was written in
/// the caller's transaction). With a state store (<c>AddStateStore</c>) the handle also reads the task's state.
/// </summary>
/// <param name="Id">The task id (Celery <c>id</c> header, AMQP <c>correlation_id</c>).</param>
/// <param name="TaskName">The task name on the wire.</param>
/// <param name="Queue">The queue the task was sent to.</param>
public record TaskHandle(string Id, string TaskName, string Queue)
{
    /// <summary>
    /// <c>true</c> when this enqueue sent nothing: the task is unique (<c>[Task(Unique = ...)]</c>,
    /// <see cref="SendOptions.UniqueKey"/>) and another task held its key, whose handle this is (its id, name and queue).
    /// Not part of equality: two handles of one task are equal.
    /// </summary>
    public bool Deduplicated { get; init; }

    /// <summary>The state store the handle reads from; set by the client that created it.</summary>
    internal ITaskStateReader? Store { get; init; }

    private ITaskStateReader RequireStore() => Store
        ?? throw new InvalidOperationException("TaskFlow: this handle has no state store. Add one with services.AddTaskFlow(...).AddStateStore(o => ...), or read states through ITaskStateStore.");

    /// <summary>The task's state record, or <c>null</c> when the store knows nothing of it (yet, or any more).</summary>
    public Task<TaskStateInfo?> GetStateAsync(CancellationToken cancellationToken = default) => RequireStore().GetAsync(Id, cancellationToken);

    /// <summary>
    /// Waits until the task is in a final state (succeeded, failed, revoked, expired, dead-lettered) and returns
    /// its record; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>. Polls with backoff, or, with a
    /// PostgreSQL state store that listens (<c>UsePostgreSqlNotifications()</c>), waits for the notification of its final state.
    /// </summary>
    public Task<TaskStateInfo> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => RequireStore().WaitAsync(Id, timeout, cancellationToken);

    /// <summary>
    /// Cancels the task wherever it is: one not yet started is skipped when its message arrives, on any worker; one
    /// running has its <see cref="TaskContext.CancellationToken"/> cancelled within about a second
    /// (<c>TaskStateOptions.RevokePollInterval</c>) on whichever worker runs it, and ends revoked. Returns <c>false</c>
    /// when the task had already finished. Needs a state store.
    /// </summary>
    public Task<bool> CancelAsync(CancellationToken cancellationToken = default) =>
        (RequireStore() as ITaskRevoker ?? throw new InvalidOperationException("TaskFlow: this handle's state store cannot revoke tasks."))
            .RevokeAsync(Id, cancellationToken);

    /// <inheritdoc />
    public virtual bool Equals(TaskHandle? other) =>
        other is not null && EqualityContract == other.EqualityContract && Id == other.Id && TaskName == other.TaskName && Queue == other.Queue;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(EqualityContract, Id, TaskName, Queue);
}
