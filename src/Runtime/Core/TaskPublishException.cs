using System;

namespace TaskFlow;

/// <summary>
/// A task was not confirmed by the broker. Nothing is reported as enqueued that was not confirmed, but an unconfirmed
/// task is not always lost: when <see cref="MayHaveBeenEnqueued"/> is <c>true</c> (the confirm timed out, or the
/// connection dropped after the message was handed over) the broker may have it and it may run. To find out, read the
/// task's state by <see cref="TaskId"/> with a state store, or send it again with the same id (<c>SendOptions.TaskId</c>):
/// with a state store the worker runs a task id once.
/// </summary>
public class TaskPublishException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskPublishException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one task.</summary>
    public TaskPublishException(string message, Exception? innerException, string? taskId, bool mayHaveBeenEnqueued)
        : base(message, innerException)
    {
        TaskId = taskId;
        MayHaveBeenEnqueued = mayHaveBeenEnqueued;
    }

    /// <summary>The id of the task that was being sent, when known.</summary>
    public string? TaskId { get; }

    /// <summary>Whether the broker may have the task although it did not confirm it (see the class remarks).</summary>
    public bool MayHaveBeenEnqueued { get; }

    /// <summary>
    /// The confirm wait timed out while the transport's client may still read the message's body and properties (it
    /// had not written the message yet, or not reported that it had): the sender must not reuse that memory.
    /// </summary>
    internal bool MessageHeld { get; init; }
}
