using System;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling.Internal;

/// <summary>
/// The client a typed proxy is built over when a schedule is registered with <c>AddSchedule</c>: it sends nothing and
/// keeps the task, the arguments and the queue of the one call the registration's lambda makes.
/// </summary>
internal sealed class CallRecorder : ITaskClient
{
    public TaskDescriptor? Task { get; private set; }

    public ITaskArgumentWriter? Arguments { get; private set; }

    public string? Queue { get; private set; }

    public int Calls { get; private set; }

    public ValueTask<TaskHandle> SendAsync<TArguments>(TaskDescriptor task, TArguments arguments, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter
    {
        ArgumentNullException.ThrowIfNull(task);
        Calls++;
        Task = task;
        Arguments = arguments;
        Queue = options?.Queue;
        return new ValueTask<TaskHandle>(new TaskHandle("scheduled", task.Name, options?.Queue ?? task.Queue ?? string.Empty));
    }
}
