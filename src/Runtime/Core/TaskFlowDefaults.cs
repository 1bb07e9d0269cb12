using System;

namespace TaskFlow;

/// <summary>
/// The defaults of TaskFlow's options, in one place: the option types initialise from these, the validators and the
/// documentation quote them.
/// </summary>
public static class TaskFlowDefaults
{
    /// <summary>The configuration section <c>AddTaskFlow(configuration)</c> expects its caller to pass: <c>TaskFlow</c>.</summary>
    public const string SectionName = "TaskFlow";

    /// <summary>The queue of tasks that do not name one: <c>default</c>.</summary>
    public const string DefaultQueue = "default";

    /// <summary>The longest a RabbitMQ name may be (bytes), which TaskFlow names leave room under: 200 characters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Most tasks a worker queue runs at once: 1024.</summary>
    public const int MaxConcurrency = 1024;

    /// <summary>How many unacknowledged messages a queue's prefetch is, per task slot, when not set: 4.</summary>
    public const int PrefetchPerSlot = 4;

    /// <summary>
    /// With a state store, how many messages beyond its task slots a queue's consumer processes at least (its state reads
    /// and group commits overlap the runs of others: it dispatches Concurrency + max(Concurrency, 64)), and so how far the
    /// default prefetch reaches beyond them: 64.
    /// </summary>
    public const int StoreDispatchAhead = 64;

    /// <summary>On shutdown, how long in-flight tasks may run before their token is cancelled: 30 s.</summary>
    public static readonly TimeSpan ShutdownGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>After cancellation at shutdown, how long to wait for tasks to stop: 5 s.</summary>
    public static readonly TimeSpan ShutdownCancellationWait = TimeSpan.FromSeconds(5);
}
