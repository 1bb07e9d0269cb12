using System;
using System.Collections.Generic;

namespace TaskFlow;

/// <summary>What a worker process consumes and how. Validated at start-up.</summary>
public sealed class TaskFlowWorkerOptions
{
    /// <summary>The queues to consume. Empty: every queue that a registered task is sent to, plus the default queue.</summary>
    public IList<WorkerQueueOptions> Queues { get; } = new List<WorkerQueueOptions>();

    /// <summary>On shutdown, how long in-flight tasks may run before their cancellation token is cancelled. Default 30 s.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After cancellation at shutdown, how long to wait for tasks to stop before closing the channels (their messages are then redelivered). Default 5 s.</summary>
    public TimeSpan ShutdownCancellationWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>This worker's identity in dead-letter headers and logs. Default <c>{machine}:{pid}</c>.</summary>
    public string WorkerName { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Stack traces in dead-letter headers are cut to this many characters. Default 4096.</summary>
    public int MaxStackTraceLength { get; set; } = 4096;

    /// <summary>Adds a queue to consume.</summary>
    /// <param name="name">The TaskFlow queue name.</param>
    /// <param name="concurrency">Tasks run at once from this queue. Default: the processor count.</param>
    /// <param name="prefetch">Unacknowledged messages the broker may push ahead. Default: 4 x concurrency.</param>
    public TaskFlowWorkerOptions AddQueue(string name, int? concurrency = null, int? prefetch = null)
    {
        var queue = new WorkerQueueOptions { Name = name };
        if (concurrency is { } c)
        {
            queue.Concurrency = c;
        }

        queue.Prefetch = prefetch ?? queue.Concurrency * 4;
        Queues.Add(queue);
        return this;
    }
}

/// <summary>How one queue is consumed.</summary>
public sealed class WorkerQueueOptions
{
    /// <summary>The TaskFlow queue name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Tasks run at once from this queue (1-1024). Default: the processor count.</summary>
    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>Unacknowledged messages the broker may push ahead (1-65535). Keep it low for long tasks. Default 4 x concurrency.</summary>
    public int Prefetch { get; set; } = Environment.ProcessorCount * 4;
}
