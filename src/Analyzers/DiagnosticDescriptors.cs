using Microsoft.CodeAnalysis;

namespace TaskFlow.Analyzers;

/// <summary>The diagnostics of the TaskFlow analyzers. Each has a page at <c>docs/analyzers/{Id}.md</c>.</summary>
internal static class DiagnosticDescriptors
{
    /// <summary>What a task's arguments are: identities, not snapshots.</summary>
    public const string DesignCategory = "TaskFlow.Design";

    /// <summary>What can travel in a message and what a worker can inject.</summary>
    public const string SerializationCategory = "TaskFlow.Serialization";

    /// <summary>Tasks that are lost, run too early, or retried badly.</summary>
    public const string ReliabilityCategory = "TaskFlow.Reliability";

    /// <summary>Tasks that run concurrently, on many threads and in many processes.</summary>
    public const string ConcurrencyCategory = "TaskFlow.Concurrency";

    /// <summary>The longest broker delay, <see cref="ConstantTime.MaxDelay"/>, as messages show it: "31.07 days". Declared before the descriptors that use it.</summary>
    public static readonly string MaxDelayDisplay = ConstantTime.Describe(ConstantTime.MaxDelay);

    private const string HelpLinkBase = "https://github.com/taskflow-dotnet/taskflow/blob/main/docs/analyzers/";

    public static readonly DiagnosticDescriptor EntityParameter = Create(
        DiagnosticIds.EntityParameter,
        "Entity passed as a task argument",
        "Parameter '{0}' of task '{1}' is the entity '{2}' ({3}); the task would run on a snapshot taken when it was sent. Pass {4} and load the entity when the task runs.",
        DesignCategory,
        DiagnosticSeverity.Warning,
        "A task runs later, on another machine, maybe after retries: an entity serialized into the message is a copy of the data as it was when the task was sent. Pass the entity's key and read the current data inside the task.");

    public static readonly DiagnosticDescriptor ParameterCannotBeSent = Create(
        DiagnosticIds.ParameterCannotBeSent,
        "Task parameter cannot be sent in a message",
        "Parameter '{0}' of task '{1}' is a message argument that cannot be sent in a message: {2}",
        SerializationCategory,
        DiagnosticSeverity.Error,
        "Every task parameter that is not injected (CancellationToken, TaskContext, [FromServices], interfaces and abstract classes other than collection interfaces) is serialized with System.Text.Json when the task is sent and deserialized by the worker. Delegates, tasks, streams, connections, contexts and types System.Text.Json cannot create fail at run time.");

    public static readonly DiagnosticDescriptor EnqueueNotAwaited = Create(
        DiagnosticIds.EnqueueNotAwaited,
        "Enqueue result is not awaited",
        "The result of '{0}' is not awaited; the task is not known to be sent until the broker confirms it, and a failed publish or the process ending goes unnoticed. Await it.",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "DelayAsync, ApplyAsync and SendAsync complete when the broker has confirmed the message and throw when it was not. Fire-and-forget loses tasks silently when the publish fails or the process ends first.");

    public static readonly DiagnosticDescriptor EnqueueInsideTransaction = Create(
        DiagnosticIds.EnqueueInsideTransaction,
        "Task enqueued inside an open transaction",
        "'{0}' is called while {1} is open; the task can run before the transaction commits, or after it rolls back. Enqueue after the commit, or enqueue through the transactional outbox: new MyTasks.Client(taskStateStore.Outbox(transaction)).",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "A message sent inside a database transaction is visible to workers at once, while the data it refers to is not visible until the commit, and never if the transaction rolls back. Send after the commit, or write the task to an outbox in the same transaction.");

    public static readonly DiagnosticDescriptor BlockingCallInTask = Create(
        DiagnosticIds.BlockingCallInTask,
        "Blocking call in a task",
        "'{0}' blocks a worker thread in task '{1}'; {2}",
        ConcurrencyCategory,
        DiagnosticSeverity.Warning,
        "A worker runs many tasks concurrently on the thread pool. A task that blocks a thread on a wait or a sleep takes it from every other task, can starve the pool and cannot be cancelled; await instead.");

    public static readonly DiagnosticDescriptor StaticStateWrittenByTask = Create(
        DiagnosticIds.StaticStateWrittenByTask,
        "Task writes shared static state",
        "Task '{0}' writes static {1} '{2}'; tasks run concurrently on many threads and in many worker processes, so static state is neither safe nor shared between them. Keep the state in a database or cache, or guard it with a distributed lock (ITaskLocks, registered by AddStateStore).",
        ConcurrencyCategory,
        DiagnosticSeverity.Warning,
        "Static fields and properties are per process: every worker process has its own copy, and the tasks of one process write it concurrently. Counters, caches and flags kept there are wrong as soon as there are two workers or two concurrent tasks.");

    public static readonly DiagnosticDescriptor RiskyRetryPolicy = Create(
        DiagnosticIds.RiskyRetryPolicy,
        "Retry policy is risky",
        "Retry policy {0} is risky: {1}",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "Retries without backoff hammer a dependency that is already failing, and delays longer than " + MaxDelayDisplay + " cannot be carried by the broker's delay levels (the runtime rejects them). Use exponential backoff (the default) and delays within the range.");

    public static readonly DiagnosticDescriptor EntityPassedWhenEnqueueing = Create(
        DiagnosticIds.EntityPassedWhenEnqueueing,
        "Entity passed when enqueueing a task",
        "Argument '{0}' of '{1}' passes the entity '{2}' ({3}); the task would run on a snapshot taken now. Pass {4} and load the entity when the task runs.",
        DesignCategory,
        DiagnosticSeverity.Warning,
        "A task runs later, on another machine, maybe after retries: an entity serialized into the message is a copy of the data as it was when the task was sent. Pass the entity's key and read the current data inside the task.");

    public static readonly DiagnosticDescriptor InjectedTypeIsNotAService = Create(
        DiagnosticIds.InjectedTypeIsNotAService,
        "Injected task parameter is not a service",
        "Parameter '{0}' of task '{1}' is resolved from DI because '{2}' is {3}, but it is {4}, not a service a worker has, and it cannot be sent in a message either. Pass the data it holds, or mark the parameter [FromServices] if you registered one.",
        SerializationCategory,
        DiagnosticSeverity.Warning,
        "Interface and abstract parameters are injected from the task's DI scope. Streams, HTTP contexts, connections, transactions and reflection types are abstract, so they are classified as services, but no worker has one to give: the task fails when it runs.");

    public static readonly DiagnosticDescriptor TimeLimitNotObservable = Create(
        DiagnosticIds.TimeLimitNotObservable,
        "Task time limit cannot be observed",
        "Task '{0}' has a {1} but no CancellationToken or TaskContext parameter; at the limit the worker cancels the task's token, which this task cannot see, so its work keeps running after the worker gave up on it",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "Time limits cancel the task's CancellationToken; .NET cannot stop running code. A task with a time limit must take the token (or the TaskContext) and pass it to what it awaits, or it runs on unobserved, holding resources, while the attempt is retried or dead-lettered.");

    public static readonly DiagnosticDescriptor EnqueueOptionsCannotBeHonored = Create(
        DiagnosticIds.EnqueueOptionsCannotBeHonored,
        "Enqueue options cannot be honored",
        "Task options cannot be honored: {0}",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "A countdown or ETA further away than " + MaxDelayDisplay + " cannot be carried by the broker's delay levels (enqueueing throws), and a task that expires no later than its countdown is always discarded.");

    public static readonly DiagnosticDescriptor RetryNotThrown = Create(
        DiagnosticIds.RetryNotThrown,
        "TaskContext.Retry result is not thrown",
        "TaskContext.Retry returns the exception that asks for a retry; it does nothing unless thrown. Write 'throw {0}.Retry(...)'.",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "TaskContext.Retry creates a TaskRetryException; the worker retries the task only when the task throws it, as in Celery's 'raise self.retry()'.");

    public static readonly DiagnosticDescriptor InvalidPeriodicSchedule = Create(
        DiagnosticIds.InvalidPeriodicSchedule,
        "Periodic schedule is invalid",
        "[Periodic] on task '{0}' cannot be scheduled: {1}",
        ReliabilityCategory,
        DiagnosticSeverity.Error,
        "A [Periodic] schedule is checked when the scheduler starts; a bad cron expression, interval or time zone, or arguments that do not match the task, would stop the scheduler of every process that declares it. The build catches it first.");

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
        new(
            id,
            title,
            message,
            category,
            severity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLinkBase + id + ".md");
}
