using System;
using System.Collections.Generic;

namespace TaskFlow;

/// <summary>The tasks this process knows, by wire name. Filled by <c>AddTaskFlow(...).Add{Assembly}Tasks()</c>.</summary>
public sealed class TaskRegistry
{
    private readonly Dictionary<string, TaskDescriptor> _tasks = new(StringComparer.Ordinal);

    /// <summary>Adds a task. Adding the same descriptor twice is a no-op; two different tasks with one name is an error.</summary>
    public void Add(TaskDescriptor task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_tasks.TryGetValue(task.Name, out var existing))
        {
            if (ReferenceEquals(existing, task))
            {
                return;
            }

            throw new InvalidOperationException(
                $"TaskFlow: two tasks are named '{task.Name}': {existing.Method} and {task.Method}. Give one of them another name with [Task(Name = \"...\")].");
        }

        _tasks.Add(task.Name, task);
    }

    /// <summary>Finds a task by wire name.</summary>
    public bool TryGet(string name, out TaskDescriptor task) => _tasks.TryGetValue(name, out task!);

    /// <summary>All registered tasks.</summary>
    public IReadOnlyCollection<TaskDescriptor> Tasks => _tasks.Values;
}
