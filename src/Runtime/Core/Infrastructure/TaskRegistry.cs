using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace TaskFlow.Infrastructure;

/// <summary>
/// The tasks this service provider knows, by wire name: filled by <c>AddTaskFlow(...).Add{Assembly}Tasks()</c>
/// (through <see cref="TaskFlowBuilder.AddTask"/>) and read-only afterwards. One per service collection, never
/// process-wide.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskRegistry
{
    private readonly Dictionary<string, TaskDescriptor> _tasks = new(StringComparer.Ordinal);

    internal TaskRegistry()
    {
    }

    /// <summary>All registered tasks.</summary>
    public IReadOnlyCollection<TaskDescriptor> Tasks => _tasks.Values;

    /// <summary>Finds a task by wire name.</summary>
    public bool TryGet(string name, out TaskDescriptor task) => _tasks.TryGetValue(name, out task!);

    /// <summary>Adds a task. Adding the same descriptor twice is a no-op; two different tasks with one name is an error.</summary>
    internal void Add(TaskDescriptor task)
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
}
