using System.Collections.Generic;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>Unique tasks (<c>[Task(Unique = ...)]</c>) need a state store: the start-up check and the message that says so.</summary>
internal static class UniqueTasks
{
    /// <summary>The error of an enqueue with a unique key in a process without a state store.</summary>
    public static string NoStore(string taskName) =>
        $"TaskFlow: task {taskName} is sent with a unique key, which is enforced in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or send it without SendOptions.UniqueKey.";

    /// <summary>Start-up errors: unique tasks registered in a process without a state store.</summary>
    public static IEnumerable<string> Problems(IEnumerable<TaskDescriptor> tasks, bool hasStore)
    {
        if (hasStore)
        {
            yield break;
        }

        foreach (var task in tasks)
        {
            if (task.Unique is { } template)
            {
                yield return $"Task {task.Name} is declared [Task(Unique = \"{template}\")], whose keys are held in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove Unique.";
            }
        }
    }
}
