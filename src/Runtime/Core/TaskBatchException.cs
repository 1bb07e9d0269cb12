using System;
using System.Collections.Generic;
using System.Linq;

namespace TaskFlow;

/// <summary>
/// Some tasks of a batch (<c>ITaskClient.SendManyAsync</c>)
/// were not enqueued. <see cref="Outcomes"/> has one entry per task of the batch, in order: the handle of every task
/// that was enqueued, the error of every task that was not. Nothing is lost silently: a task is either in
/// <see cref="Sent"/> or in <see cref="Failed"/>, and <see cref="TaskPublishException.MayHaveBeenEnqueued"/> of a failed
/// one says whether the broker may have it anyway.
/// </summary>
public sealed class TaskBatchException : TaskPublishException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, and what to do.</param>
    /// <param name="outcomes">One outcome per task of the batch, in order.</param>
    /// <param name="innerException">The error that stopped the batch; <c>null</c>: the first failed outcome's.</param>
    public TaskBatchException(string message, IReadOnlyList<TaskBatchOutcome> outcomes, Exception? innerException = null)
        : base(message, innerException ?? outcomes?.FirstOrDefault(o => o.Error is not null)?.Error, null, outcomes?.Any(o => o.Error is TaskPublishException { MayHaveBeenEnqueued: true }) ?? false)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        Outcomes = outcomes;
    }

    /// <summary>One outcome per task of the batch, in the batch's order.</summary>
    public IReadOnlyList<TaskBatchOutcome> Outcomes { get; }

    /// <summary>The handles of the tasks that were enqueued, in the batch's order.</summary>
    public IReadOnlyList<TaskHandle> Sent => Outcomes.Where(o => o.Handle is not null && o.Error is null).Select(o => o.Handle!).ToList();

    /// <summary>The outcomes of the tasks that were not enqueued.</summary>
    public IReadOnlyList<TaskBatchOutcome> Failed => Outcomes.Where(o => o.Error is not null).ToList();
}
