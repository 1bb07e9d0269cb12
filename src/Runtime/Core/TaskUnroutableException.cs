using System;

namespace TaskFlow;

/// <summary>The broker returned a task because no queue is bound for it (published with <c>mandatory</c>).</summary>
public sealed class TaskUnroutableException : TaskPublishException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskName">The task's name.</param>
    /// <param name="exchange">The exchange it was published to.</param>
    /// <param name="queue">The routing key it was published with.</param>
    /// <param name="innerException">The client's error, if any.</param>
    /// <param name="taskId">The task's id (<see cref="TaskPublishException.TaskId"/>), named in the message when known.</param>
    public TaskUnroutableException(string taskName, string exchange, string queue, Exception? innerException = null, string? taskId = null)
        : base($"TaskFlow: task '{taskName}'{(taskId is null ? string.Empty : $" [{taskId}]")} could not be routed: exchange '{exchange}' has no queue bound for '{queue}'; it was not enqueued. " +
               "Declare the queue (leave RabbitMqOptions.DeclareTopology on, or start a worker for it) or send the task to an existing queue.", innerException, taskId, mayHaveBeenEnqueued: false)
    {
        TaskName = taskName;
        Queue = queue;
    }

    /// <summary>The task that was returned.</summary>
    public string TaskName { get; }

    /// <summary>The queue (routing key) it was sent to.</summary>
    public string Queue { get; }
}
