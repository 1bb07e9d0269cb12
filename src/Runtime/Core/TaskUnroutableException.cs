using System;

namespace TaskFlow;

/// <summary>The broker returned a task because no queue is bound for it (published with <c>mandatory</c>).</summary>
public sealed class TaskUnroutableException : TaskPublishException
{
    /// <summary>Creates the exception.</summary>
    public TaskUnroutableException(string taskName, string exchange, string queue, Exception? innerException = null)
        : base($"TaskFlow: task '{taskName}' could not be routed: exchange '{exchange}' has no queue bound for '{queue}'. " +
               "Declare the queue (leave RabbitMqOptions.DeclareTopology on, or start a worker for it) or send the task to an existing queue.", innerException)
    {
        TaskName = taskName;
        Queue = queue;
    }

    /// <summary>The task that was returned.</summary>
    public string TaskName { get; }

    /// <summary>The queue (routing key) it was sent to.</summary>
    public string Queue { get; }
}
