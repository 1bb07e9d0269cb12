namespace TaskFlow;

/// <summary>A task that has been enqueued: the broker confirmed the message.</summary>
/// <param name="Id">The task id (Celery <c>id</c> header, AMQP <c>correlation_id</c>).</param>
/// <param name="TaskName">The task name on the wire.</param>
/// <param name="Queue">The queue the task was sent to.</param>
public record TaskHandle(string Id, string TaskName, string Queue);

/// <summary>A task with a result of type <typeparamref name="TResult"/> that has been enqueued.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Called by generated proxies, which spell the type argument out.")]
public sealed record TaskHandle<TResult>(string Id, string TaskName, string Queue) : TaskHandle(Id, TaskName, Queue)
{
    /// <summary>Wraps an untyped handle.</summary>
    public static TaskHandle<TResult> From(TaskHandle handle)
    {
        System.ArgumentNullException.ThrowIfNull(handle);
        return new TaskHandle<TResult>(handle.Id, handle.TaskName, handle.Queue);
    }

    /// <summary>Wraps a pending untyped handle; used by generated proxies of tasks that return a value.</summary>
    public static async System.Threading.Tasks.ValueTask<TaskHandle<TResult>> FromAsync(System.Threading.Tasks.ValueTask<TaskHandle> pending)
    {
        return From(await pending.ConfigureAwait(false));
    }
}
