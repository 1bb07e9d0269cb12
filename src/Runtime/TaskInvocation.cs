using System;
using System.Threading;

namespace TaskFlow;

/// <summary>What a generated invoker receives: the arguments to bind and the context to inject.</summary>
public sealed class TaskInvocation
{
    internal TaskInvocation(TaskArguments arguments, TaskContext context)
    {
        Arguments = arguments;
        Context = context;
    }

    /// <summary>The message arguments, bound by position or keyword.</summary>
    public TaskArguments Arguments { get; }

    /// <summary>The task's context.</summary>
    public TaskContext Context { get; }

    /// <summary>The DI scope the task runs in.</summary>
    public IServiceProvider Services => Context.Services;

    /// <summary>The task's cancellation token.</summary>
    public CancellationToken CancellationToken => Context.CancellationToken;
}
