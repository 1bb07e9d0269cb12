using System;
using System.Collections.Generic;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// Which tasks run in lease mode: those declared <c>[Task(LongRunning = true)]</c> and those whose hard time limit
/// exceeds the transport's consumer timeout (RabbitMQ's <c>consumer_timeout</c>, which closes the channel of a
/// consumer holding a message unacked for longer). Lease mode needs the state store.
/// </summary>
internal sealed class LongRunningTasks
{
    private readonly ITaskStateRecorder _recorder;
    private readonly Lazy<bool> _allowWithoutStore;
    private readonly Lazy<TimeSpan?> _consumerTimeout;

    public LongRunningTasks(ITaskStateRecorder recorder, TaskFlowOptions options, TimeSpan? consumerTimeout)
        : this(recorder, () => options, () => consumerTimeout)
    {
    }

    /// <summary>Options read when first needed: resolving them may throw their own validation errors, which belong to their own step.</summary>
    public LongRunningTasks(ITaskStateRecorder recorder, Func<TaskFlowOptions> options, Func<TimeSpan?> consumerTimeout)
    {
        _recorder = recorder;
        _allowWithoutStore = new Lazy<bool>(() => options().AllowLongRunningWithoutStateStore);
        _consumerTimeout = new Lazy<TimeSpan?>(consumerTimeout);
    }

    /// <summary>The transport's consumer timeout, when it has one.</summary>
    public TimeSpan? ConsumerTimeout => _consumerTimeout.Value;

    /// <summary>Declared long, or its time limit is longer than the consumer timeout.</summary>
    public bool IsLong(TaskDescriptor task) => task.LongRunning || (ConsumerTimeout is { } timeout && task.TimeLimit > timeout);

    /// <summary>Runs in lease mode: long, and a state store tracks it.</summary>
    public bool Leased(TaskDescriptor task) => _recorder.IsActive && IsLong(task) && _recorder.Tracks(task.Name);

    /// <summary>Start-up errors: long-running tasks that cannot run in lease mode and are not allowed to run without it.</summary>
    public IEnumerable<string> Problems(IEnumerable<TaskDescriptor> tasks)
    {
        foreach (var task in tasks)
        {
            if (!IsLong(task) || _allowWithoutStore.Value)
            {
                continue;
            }

            var why = task.LongRunning
                ? "is declared [Task(LongRunning = true)]"
                : $"has a time limit ({task.TimeLimit}) longer than the broker's consumer timeout ({ConsumerTimeout})";
            if (!_recorder.IsActive)
            {
                yield return $"Task {task.Name} {why}, so it runs in lease mode, which needs a state store: add .AddStateStore(...) after services.AddTaskFlow(...), or set TaskFlowOptions.AllowLongRunningWithoutStateStore = true (TaskFlow:AllowLongRunningWithoutStateStore) to run it as a plain task, whose message stays unacked while it runs and is redelivered (run again) when the broker's consumer timeout closes the channel.";
            }
            else if (!_recorder.Tracks(task.Name))
            {
                yield return $"Task {task.Name} {why}, so it runs in lease mode, which needs its state tracked, but TaskStateOptions excludes it (TaskStatePolicy): track it, or set TaskFlowOptions.AllowLongRunningWithoutStateStore = true to run it as a plain task.";
            }
        }
    }

    /// <summary>Tasks that run as plain tasks although their time limit exceeds the consumer timeout (warned about at start-up).</summary>
    public IEnumerable<TaskDescriptor> AtRisk(IEnumerable<TaskDescriptor> tasks)
    {
        foreach (var task in tasks)
        {
            if (ConsumerTimeout is { } timeout && task.TimeLimit > timeout && !Leased(task))
            {
                yield return task;
            }
        }
    }
}
