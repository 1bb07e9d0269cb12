using System;

namespace TaskFlow;

/// <summary>A message's arguments do not fit the task's signature. The message is dead-lettered, never retried.</summary>
public sealed class TaskArgumentException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskArgumentException(string taskName, string problem, Exception? innerException = null)
        : base($"Task '{taskName}': {problem}.", innerException)
    {
        TaskName = taskName;
    }

    /// <summary>The task whose arguments did not fit.</summary>
    public string TaskName { get; }
}
