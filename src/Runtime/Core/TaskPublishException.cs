using System;

namespace TaskFlow;

/// <summary>A task was not confirmed by the broker: it may not have been enqueued. Nothing is reported as enqueued that was not confirmed.</summary>
public class TaskPublishException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskPublishException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
