using System.Threading;
using System.Threading.Tasks;

using TaskFlow.Infrastructure;

namespace TaskFlow;

/// <summary>
/// Sends tasks. Generated proxies (<c>MyTasks.Client</c>) call it; inject it directly only to send tasks
/// generically. Registered by <c>services.AddTaskFlow(...)</c>: sends through the transport (<c>UseRabbitMq</c>), or through the eager
/// runner when <see cref="TaskFlowOptions.Eager"/> is set.
/// </summary>
public interface ITaskClient
{
    /// <summary>
    /// Sends one task and completes when the broker has confirmed it (or, in eager mode, when the task
    /// has run). Throws <see cref="TaskPublishException"/> when it was not confirmed: nothing is ever
    /// reported as enqueued that was not.
    /// </summary>
    ValueTask<TaskHandle> SendAsync<TArguments>(TaskDescriptor task, TArguments arguments, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter;
}
