using System;
using System.ComponentModel;
using System.Threading;

namespace TaskFlow.Infrastructure;

/// <summary>What a generated invoker receives: the arguments to bind and the context to inject.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskInvocation
{
    internal TaskInvocation(TaskArgumentReader arguments, TaskContext context)
    {
        Arguments = arguments;
        Context = context;
    }

    /// <summary>The message arguments, bound by position or keyword.</summary>
    public TaskArgumentReader Arguments { get; }

    /// <summary>The task's context.</summary>
    public TaskContext Context { get; }

    /// <summary>The DI scope the task runs in.</summary>
    public IServiceProvider Services => Context.Services;

    /// <summary>The task's cancellation token.</summary>
    public CancellationToken CancellationToken => Context.CancellationToken;
}
