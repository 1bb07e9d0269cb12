namespace TaskFlow;

/// <summary>One task of a batch sent with <c>ITaskClient.SendManyAsync</c>: its arguments and, when it needs its own, its options.</summary>
/// <typeparam name="TArguments">The task's generated arguments type.</typeparam>
/// <param name="Arguments">The task's arguments.</param>
/// <param name="Options">This task's options (entity key, unique key, task id...); <c>null</c>: the task's defaults.</param>
public readonly record struct TaskBatchItem<TArguments>(TArguments Arguments, SendOptions? Options = null);
