using System;

namespace TaskFlow;

/// <summary>The task ran past its hard time limit: the worker stopped waiting and failed the attempt.</summary>
public sealed class TaskTimeLimitExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskTimeLimitExceededException(string taskName, TimeSpan limit)
        : base($"Task '{taskName}' exceeded its hard time limit of {limit.TotalSeconds:0.###} s; the worker stopped waiting for it (the abandoned work may still be running in the background).")
    {
        TaskName = taskName;
        Limit = limit;
    }

    /// <summary>The task.</summary>
    public string TaskName { get; }

    /// <summary>The hard limit.</summary>
    public TimeSpan Limit { get; }
}
