using System;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling;

/// <summary>The descriptor a schedule's task is sent with: the registered one (time limits, queue...), else a bare one by name.</summary>
internal static class ScheduleTasks
{
    private static readonly TaskInvoker NotHere = static _ => throw new InvalidOperationException("TaskFlow: a scheduled task is only sent from here, not run.");

    public static TaskDescriptor Resolve(TaskRegistry? registry, string taskName) =>
        registry is not null && registry.TryGet(taskName, out var task) ? task : new TaskDescriptor(taskName, null, taskName, [], NotHere);
}
