using System;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow;

/// <summary>Returned by <c>services.AddTaskFlow(...)</c>; generated <c>Add{Assembly}Tasks()</c> extensions hang off it.</summary>
public sealed class TaskFlowBuilder
{
    internal TaskFlowBuilder(IServiceCollection services, TaskRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    internal TaskRegistry Registry { get; }

    /// <summary>Registers one task so that workers can run it and eager mode can dispatch it.</summary>
    public TaskFlowBuilder AddTask(TaskDescriptor task)
    {
        ArgumentNullException.ThrowIfNull(task);
        Registry.Add(task);
        return this;
    }
}
