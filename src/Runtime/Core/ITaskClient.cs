using System;
using System.Collections.Generic;
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

    /// <summary>
    /// Sends a batch of tasks of one kind with the same options and completes when the broker has confirmed all of
    /// them; returns their handles in the order of <paramref name="items"/>. See
    /// <see cref="SendManyAsync{TArguments}(TaskDescriptor, IReadOnlyList{TaskBatchItem{TArguments}}, CancellationToken)"/>.
    /// <see cref="SendOptions.TaskId"/> names one task: a batch of more than one is refused with it set.
    /// </summary>
    ValueTask<IReadOnlyList<TaskHandle>> SendManyAsync<TArguments>(TaskDescriptor task, IReadOnlyList<TArguments> items, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter
    {
        ArgumentNullException.ThrowIfNull(items);
        var batch = new TaskBatchItem<TArguments>[items.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new TaskBatchItem<TArguments>(items[i], options);
        }

        return SendManyAsync(task, batch, cancellationToken);
    }

    /// <summary>
    /// Sends a batch of tasks of one kind, each with its own options, and completes when the broker has confirmed all
    /// of them; returns their handles in the order of <paramref name="items"/>. Every item is checked (arguments,
    /// options, delay) before anything is sent: an invalid item throws and sends nothing. The publishes are pipelined
    /// (issued together within the publisher's confirm window and confirmed together), the outbox writes the batch
    /// with multi-row inserts. When some tasks are not confirmed it throws <see cref="TaskBatchException"/>, whose
    /// outcomes give the handle of every task that was enqueued and the error of every one that was not.
    /// </summary>
    /// <remarks>
    /// The default implementation (for clients other than TaskFlow's) sends the items one at a time with
    /// <see cref="SendAsync{TArguments}"/>.
    /// </remarks>
    async ValueTask<IReadOnlyList<TaskHandle>> SendManyAsync<TArguments>(TaskDescriptor task, IReadOnlyList<TaskBatchItem<TArguments>> items, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter
    {
        ArgumentNullException.ThrowIfNull(items);
        var handles = new TaskHandle[items.Count];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = await SendAsync(task, items[i].Arguments, items[i].Options, cancellationToken).ConfigureAwait(false);
        }

        return handles;
    }
}
