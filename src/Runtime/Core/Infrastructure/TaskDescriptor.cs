using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading.Tasks;

namespace TaskFlow.Infrastructure;

/// <summary>
/// Describes one <c>[Task]</c> method to the runtime: its wire name, queue, message arguments and the
/// generated invoker. Instances are emitted by the source generator; hand-written ones are allowed.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskDescriptor
{
    /// <summary>Creates a descriptor.</summary>
    /// <param name="name">The task name on the wire.</param>
    /// <param name="queue">The configured queue, or <c>null</c> for <see cref="TaskFlowOptions.DefaultQueue"/>.</param>
    /// <param name="method">The method, for logs and errors (e.g. <c>Signup.SignupTasks.SendSms(int)</c>).</param>
    /// <param name="arguments">The message arguments in positional order.</param>
    /// <param name="invoker">Runs the method.</param>
    public TaskDescriptor(string name, string? queue, string method, IReadOnlyList<TaskArgumentDescriptor> arguments, TaskInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(invoker);
        Name = name;
        Queue = string.IsNullOrWhiteSpace(queue) ? null : queue;
        Method = method;
        Arguments = arguments;
        Invoker = invoker;
        var required = 0;
        foreach (var argument in arguments)
        {
            if (!argument.HasDefault)
            {
                required++;
            }
        }

        RequiredArgumentCount = required;
        SensitiveHeader = TaskFlow.Protocol.SensitiveArguments.Format(arguments);
    }

    /// <summary>The task name on the wire (Celery <c>task</c> header).</summary>
    public string Name { get; }

    /// <summary>The configured queue, or <c>null</c> for the default queue.</summary>
    public string? Queue { get; }

    /// <summary>The method, for logs and errors.</summary>
    public string Method { get; }

    /// <summary>The message arguments in positional order.</summary>
    public IReadOnlyList<TaskArgumentDescriptor> Arguments { get; }

    /// <summary>The <c>x-taskflow-sensitive</c> header of this task's messages (its <c>[Sensitive]</c> arguments), or <c>null</c> when it has none.</summary>
    internal string? SensitiveHeader { get; }

    /// <summary>How many arguments have no default value.</summary>
    public int RequiredArgumentCount { get; }

    /// <summary>Runs the method.</summary>
    public TaskInvoker Invoker { get; }

    /// <summary>The task's retry policy from <see cref="RetryAttribute"/>; <c>null</c> uses <see cref="TaskFlowOptions.DefaultRetryPolicy"/>.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>Soft time limit: the task's cancellation token is cancelled after it. <c>null</c>: none (or the message's <c>timelimit</c> header).</summary>
    public TimeSpan? SoftTimeLimit { get; init; }

    /// <summary>Hard time limit: the worker stops waiting after it and fails the attempt. <c>null</c>: none (or the message's <c>timelimit</c> header).</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>
    /// From <c>[Task(IgnoreResult = ...)]</c>: <c>true</c> keeps no return value of this task in the state store, whichever
    /// client sent it; <c>false</c> keeps it even when <c>TaskStateOptions.IgnoreResults</c> is on; <c>null</c> (not declared)
    /// leaves it to the configuration. <c>TaskStateOptions.Tasks[name].IgnoreResult</c> overrides it (see docs/state.md).
    /// </summary>
    public bool? IgnoreResult { get; init; }

    /// <summary>From <c>[Task(LongRunning = true)]</c>: the task runs in lease mode (see <see cref="TaskAttribute.LongRunning"/>).</summary>
    public bool LongRunning { get; init; }

    /// <summary>From <c>[Task(LogSummary = false)]</c>: <c>false</c> leaves out this task's summary line (see <see cref="TaskAttribute.LogSummary"/>). Default <c>true</c>.</summary>
    public bool LogSummary { get; init; } = true;

    /// <summary>From <c>[Task(MaxConcurrency = n)]</c>: at most this many runs at once across all workers, per concurrency key; 0 for no limit (see <see cref="TaskAttribute.MaxConcurrency"/>).</summary>
    public int MaxConcurrency { get; init; }

    /// <summary>From <c>[Task(Priority = n)]</c>: the AMQP priority of this task's messages when a call sets none; 0 for none (see <see cref="TaskAttribute.Priority"/>).</summary>
    public byte Priority { get; init; }

    /// <summary>From <c>[Task(Unique = ...)]</c>: the key template as written, or <c>null</c> when the task is not unique (the generated proxies compute the key).</summary>
    public string? Unique { get; init; }

    /// <summary>From <c>[Task(UniqueScope = ...)]</c>: how long a unique key holds when a call does not say.</summary>
    public UniqueScope UniqueScope { get; init; }

    /// <summary>From <c>[Task(UniqueFor = n)]</c>: how long a unique key is held at most when a call does not say; <c>null</c> for no period.</summary>
    public TimeSpan? UniqueFor { get; init; }
    /// <summary>From <c>[Task(RateLimit = "100/m")]</c>: at most this many runs per period across all workers, per rate-limit key; <c>null</c> for no limit (see <see cref="TaskAttribute.RateLimit"/>).</summary>
    public TaskRateLimit? RateLimit { get; init; }

    /// <summary>
    /// From <c>[Task(Ordered = true)]</c>: tasks of one order key run one at a time in enqueue order; a send without
    /// <see cref="SendOptions.OrderKey"/> is ordered per task (<c>task:{name}</c>) (see <see cref="TaskAttribute.Ordered"/>).
    /// </summary>
    public bool Ordered { get; init; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
