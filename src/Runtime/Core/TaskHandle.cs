using System;
using System.Threading;
using System.Threading.Tasks;

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
    /// <summary>The state store the handle reads from; set by the client that created it.</summary>
    internal ITaskStateReader? Store { get; init; }

    private ITaskStateReader RequireStore() => Store
        ?? throw new InvalidOperationException("TaskFlow: this handle has no state store. Add one with services.AddTaskFlow(...).AddStateStore(o => ...), or read states through ITaskStateStore.");

    /// <summary>The task's state record, or <c>null</c> when the store knows nothing of it (yet, or any more).</summary>
    public Task<TaskStateInfo?> GetStateAsync(CancellationToken cancellationToken = default) => RequireStore().GetAsync(Id, cancellationToken);

    /// <summary>
    /// Waits until the task is in a final state (succeeded, failed, revoked, expired, dead-lettered) and returns
    /// its record; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>. Polls with backoff.
    /// </summary>
    public Task<TaskStateInfo> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => RequireStore().WaitAsync(Id, timeout, cancellationToken);

    /// <inheritdoc />
    public virtual bool Equals(TaskHandle? other) =>
        other is not null && EqualityContract == other.EqualityContract && Id == other.Id && TaskName == other.TaskName && Queue == other.Queue;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(EqualityContract, Id, TaskName, Queue);
}

/// <summary>A task with a result of type <typeparamref name="TResult"/> that has been enqueued.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Called by generated proxies, which spell the type argument out.")]
public sealed record TaskHandle<TResult>(string Id, string TaskName, string Queue) : TaskHandle(Id, TaskName, Queue)
{
    /// <summary>Wraps an untyped handle.</summary>
    public static TaskHandle<TResult> From(TaskHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new TaskHandle<TResult>(handle.Id, handle.TaskName, handle.Queue) { Store = handle.Store };
    }

    /// <summary>Wraps a pending untyped handle; used by generated proxies of tasks that return a value.</summary>
    public static async ValueTask<TaskHandle<TResult>> FromAsync(ValueTask<TaskHandle> pending)
    {
        return From(await pending.ConfigureAwait(false));
    }

    /// <summary>
    /// The task's result: throws <see cref="TaskNotSucceededException"/> if it failed, was revoked, expired or was
    /// dead-lettered, and <see cref="InvalidOperationException"/> if it has not finished.
    /// </summary>
    public Task<TResult> GetResultAsync(CancellationToken cancellationToken = default) =>
        (Store ?? throw new InvalidOperationException("TaskFlow: this handle has no state store (AddStateStore).")).GetResultAsync<TResult>(Id, cancellationToken);

    /// <summary>
    /// Waits for the task to finish and returns its result: <see cref="TimeoutException"/> after
    /// <paramref name="timeout"/>, <see cref="TaskNotSucceededException"/> if it ended without succeeding.
    /// </summary>
    public new Task<TResult> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        (Store ?? throw new InvalidOperationException("TaskFlow: this handle has no state store (AddStateStore).")).WaitForResultAsync<TResult>(Id, timeout, cancellationToken);
}
