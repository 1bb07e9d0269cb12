using System;

namespace TaskFlow;

/// <summary>
/// Thrown by <c>TaskHandle&lt;T&gt;.WaitAsync</c> and <c>GetResultAsync</c> when the task ended without a result:
/// failed, revoked, expired or dead-lettered.
/// </summary>
public sealed class TaskNotSucceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskNotSucceededException(TaskStateInfo info)
        : base(Describe(info))
    {
        Info = info;
    }

    /// <summary>The task's record.</summary>
    public TaskStateInfo? Info { get; }

    /// <summary>Creates the exception (serialization-free default constructors, for completeness).</summary>
    public TaskNotSucceededException() : base("TaskFlow: the task did not succeed.") { }

    /// <summary>Creates the exception.</summary>
    public TaskNotSucceededException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public TaskNotSucceededException(string message, Exception innerException) : base(message, innerException) { }

    private static string Describe(TaskStateInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Error is { Length: > 0 } error
            ? $"TaskFlow: task {info.TaskName} [{info.TaskId}] is {info.State.ToWireName()}: {error}"
            : $"TaskFlow: task {info.TaskName} [{info.TaskId}] is {info.State.ToWireName()}";
    }
}
