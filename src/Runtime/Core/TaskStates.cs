using System;

namespace TaskFlow;

/// <summary>Helpers on <see cref="TaskState"/>.</summary>
public static class TaskStates
{
    /// <summary>Whether the state is final (the task will not run again).</summary>
    public static bool IsFinal(this TaskState state) => (int)state >= 10;

    /// <summary>The state's name as stored in the view and shown to users: <c>pending</c>, <c>dead_lettered</c>...</summary>
    public static string ToWireName(this TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.Started => "started",
        TaskState.Retrying => "retrying",
        TaskState.Succeeded => "succeeded",
        TaskState.Failed => "failed",
        TaskState.Revoked => "revoked",
        TaskState.Expired => "expired",
        TaskState.DeadLettered => "dead_lettered",
        _ => ((int)state).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
