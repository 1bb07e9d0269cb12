using System;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// Ordered processing per key (<c>[Task(Ordered = true)]</c>, <see cref="SendOptions.OrderKey"/>): where the sequence of
/// each key is kept. Implemented by the state store (<c>order_seq</c>, <c>task_order</c>): an ordered send takes the next
/// sequence number of its key in the transaction that records it as pending; a worker asks <see cref="CheckAsync"/> before
/// it runs the task.
/// </summary>
internal interface IOrderGate
{
    /// <summary>
    /// Whether the task may run now: none of the earlier tasks of its key is unfinished (a predecessor still pending past
    /// the store's gap timeout is skipped, with a warning). Stamps the task as seen (its message is alive), and when it
    /// passes, forgets the rows of the finished predecessors.
    /// </summary>
    Task<OrderCheck> CheckAsync(string taskId, string orderKey, CancellationToken cancellationToken);

    /// <summary>A start-up problem of an ordered task with this store (e.g. its states are not tracked), or <c>null</c>.</summary>
    string? Problem(TaskDescriptor task);
}

/// <summary>What <see cref="IOrderGate.CheckAsync"/> found.</summary>
/// <param name="Known">Whether the task has a sequence number of its key (<c>false</c>: sent without the store, or its row was cleaned up: it runs).</param>
/// <param name="BlockerId">The earliest unfinished predecessor that holds it back, or <c>null</c>: it may run.</param>
/// <param name="BlockerState">That predecessor's state (<c>pending</c>, <c>started</c>, <c>retrying</c>).</param>
/// <param name="Distance">How many sequence numbers the blocker is ahead of this task (1: it is the one just before).</param>
internal readonly record struct OrderCheck(bool Known, string? BlockerId, string? BlockerState, long Distance)
{
    /// <summary>Whether the task may run now.</summary>
    public bool Pass => BlockerId is null;
}
