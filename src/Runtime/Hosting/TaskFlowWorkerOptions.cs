using System;
using System.Collections.Generic;

namespace TaskFlow.Hosting;

/// <summary>
/// What a worker process consumes and how. Bound from the <c>TaskFlow:Worker</c> section by
/// <c>AddWorker(configuration)</c>; validated at start-up.
/// </summary>
public sealed class TaskFlowWorkerOptions
{
    /// <summary>The queues to consume.</summary>
    /// <value>Default: empty, meaning every queue a registered task is sent to, plus the default queue, each with the defaults of <see cref="WorkerQueueOptions"/>.</value>
    public IList<WorkerQueueOptions> Queues { get; } = new List<WorkerQueueOptions>();

    /// <summary>On shutdown, how long in-flight tasks may run before their cancellation token is cancelled.</summary>
    /// <value>Default 30 s (<see cref="TaskFlowDefaults.ShutdownGracePeriod"/>).</value>
    public TimeSpan ShutdownGracePeriod { get; set; } = TaskFlowDefaults.ShutdownGracePeriod;

    /// <summary>After cancellation at shutdown, how long to wait for tasks to stop before closing the consumers (their messages are then redelivered).</summary>
    /// <value>Default 5 s (<see cref="TaskFlowDefaults.ShutdownCancellationWait"/>).</value>
    public TimeSpan ShutdownCancellationWait { get; set; } = TaskFlowDefaults.ShutdownCancellationWait;

    /// <summary>This worker's identity in dead-letter headers and logs.</summary>
    /// <value>Default <c>{machine}:{pid}</c>.</value>
    public string WorkerName { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Stack traces in dead-letter headers are cut to this many characters.</summary>
    /// <value>Default 4096.</value>
    public int MaxStackTraceLength { get; set; } = 4096;

    /// <summary>Adds a queue to consume.</summary>
    /// <param name="name">The TaskFlow queue name.</param>
    /// <param name="concurrency">Tasks run at once from this queue. Default: the processor count.</param>
    /// <param name="prefetch">Unacknowledged messages the broker may push ahead. Default: 4 x concurrency.</param>
    public TaskFlowWorkerOptions AddQueue(string name, int? concurrency = null, int? prefetch = null)
    {
        var queue = new WorkerQueueOptions { Name = name, Prefetch = prefetch };
        if (concurrency is { } c)
        {
            queue.Concurrency = c;
        }

        Queues.Add(queue);
        return this;
    }
}
