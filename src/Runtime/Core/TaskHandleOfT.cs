using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow;

/// <summary>A task with a result of type <typeparamref name="TResult"/> that has been enqueued.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Called by generated proxies, which spell the type argument out.")]
public sealed record TaskHandle<TResult>(string Id, string TaskName, string Queue) : TaskHandle(Id, TaskName, Queue)
{
    /// <summary>Wraps an untyped handle.</summary>
    public static TaskHandle<TResult> From(TaskHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new TaskHandle<TResult>(handle.Id, handle.TaskName, handle.Queue) { Store = handle.Store, Deduplicated = handle.Deduplicated };
    }

    /// <summary>Wraps a pending untyped handle; used by generated proxies of tasks that return a value.</summary>
    public static async ValueTask<TaskHandle<TResult>> FromAsync(ValueTask<TaskHandle> pending)
    {
        return From(await pending.ConfigureAwait(false));
    }

    /// <summary>Wraps the pending untyped handles of a batch, in order; used by generated proxies of tasks that return a value (<c>DelayManyAsync</c>).</summary>
    public static async ValueTask<IReadOnlyList<TaskHandle<TResult>>> FromManyAsync(ValueTask<IReadOnlyList<TaskHandle>> pending)
    {
        var handles = await pending.ConfigureAwait(false);
        var typed = new TaskHandle<TResult>[handles.Count];
        for (var i = 0; i < typed.Length; i++)
        {
            typed[i] = From(handles[i]);
        }

        return typed;
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
