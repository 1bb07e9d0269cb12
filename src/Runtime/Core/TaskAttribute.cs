using System;

namespace TaskFlow;

/// <summary>
/// Marks a method as a TaskFlow task. The source generator emits a typed enqueue proxy
/// (<c>DelayAsync</c>/<c>ApplyAsync</c>) in the containing type's nested <c>Client</c> class and a
/// reflection-free dispatcher that the worker uses to run the method.
/// </summary>
/// <remarks>
/// The containing type must be <c>partial</c> and not nested inside a generic type. Parameters that are
/// not message arguments are injected at run time: <see cref="System.Threading.CancellationToken"/>,
/// <see cref="TaskContext"/>, parameters marked <see cref="FromServicesAttribute"/>, and parameters whose
/// type is an interface or abstract class other than a collection interface (resolved from DI).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute : Attribute
{
    /// <summary>
    /// The task name on the wire. Defaults to <c>{Namespace}.{Type}.{Method}</c> converted to lower
    /// snake case segments (e.g. <c>signup.signup_tasks.send_welcome_email</c>). Set it explicitly to keep
    /// it stable when the type or namespace is renamed, or to match a Celery task name.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The TaskFlow queue the task is sent to. Defaults to <see cref="TaskFlowOptions.DefaultQueue"/>.</summary>
    public string? Queue { get; set; }

    /// <summary>Soft time limit in seconds: the task's cancellation token is cancelled after it. 0: none.</summary>
    public double SoftTimeLimitSeconds { get; set; }

    /// <summary>
    /// Hard time limit in seconds: the worker stops waiting, fails the attempt (retry or dead-letter per
    /// policy) and frees the slot. .NET cannot kill the running code: it is abandoned and keeps running
    /// until it returns or observes its token, which is cancelled too. 0: none.
    /// </summary>
    public double TimeLimitSeconds { get; set; }

    /// <summary>
    /// The entity the task works on, as a template over its message arguments: <c>"note:{noteId}"</c>. The generated
    /// <c>DelayAsync</c>/<c>ApplyAsync</c> set <see cref="SendOptions.EntityKey"/> from it (formatted with the invariant
    /// culture) unless the call sets one itself, so every call is recorded as pending for the entity before it is sent:
    /// <c>TaskStateStore.RevokeEntityAsync</c> revokes it and <c>TaskStateStore.LockEntityAsync</c> refuses (or waits)
    /// while it is pending or running (state store only).
    /// </summary>
    /// <remarks>
    /// A placeholder <c>{name}</c> is the name of a message argument (not an injected parameter) of type string, char,
    /// bool, an integer type, decimal, <see cref="Guid"/>, an enum or <see cref="DateOnly"/> (as <c>yyyy-MM-dd</c>), not
    /// nullable. <c>{{</c> and <c>}}</c> stand for literal braces. The source generator checks the template (TF0014-TF0016).
    /// </remarks>
    public string? EntityKey { get; set; }

    /// <summary>
    /// Do not keep the task's return value in the state store (its state is still recorded). The generated proxies set
    /// <see cref="SendOptions.IgnoreResult"/> to <c>true</c> unless the call sets it, and workers honour it for messages
    /// from any client (e.g. Celery). <c>TaskStateOptions.Tasks[name].IgnoreResult</c> overrides it; setting it to
    /// <c>false</c> explicitly keeps the task's results even when <c>TaskStateOptions.IgnoreResults</c> is on. See docs/state.md.
    /// </summary>
    public bool IgnoreResult { get; set; }

    /// <summary>
    /// Runs the task in lease mode: its message is acked when it starts, together with a lease row in the state store
    /// that the worker renews by heartbeat; if the worker dies, the lease expires and a live worker sends the task again
    /// (same id, next attempt). RabbitMQ's <c>consumer_timeout</c> then no longer applies and no message is held unacked
    /// for hours. Tasks whose <see cref="TimeLimitSeconds"/> exceeds the broker's consumer timeout
    /// (<c>RabbitMqOptions.ConsumerTimeout</c>) run in lease mode without it. Needs a state store: without one the worker
    /// refuses to start unless <c>TaskFlowOptions.AllowLongRunningWithoutStateStore</c> is set. See docs/delivery.md.
    /// </summary>
    public bool LongRunning { get; set; }

    /// <summary>
    /// Log the one-line summary of each finished delivery of this task (outcome, duration, attempt, queue; event 4009 at
    /// Information, category <c>TaskFlow.Tasks.Summary</c>). Default <c>true</c>. Set it to <c>false</c> for a task so frequent
    /// that its summaries would drown the rest (a heartbeat, a probe): its failures are still logged (4002, 4007), and
    /// its metrics and spans are unchanged. Every task's summary is turned off at once through the log level of the
    /// category. See docs/telemetry.md.
    /// </summary>
    public bool LogSummary { get; set; } = true;

    /// <summary>
    /// The AMQP priority of this task's messages when a call sets none (<c>SendOptions.Priority</c> wins). Default 0:
    /// no priority. A queue honours it only when it can: a classic queue declared with a maximum priority
    /// (<c>RabbitMqOptions.MaxPriorities</c>), or a quorum queue on RabbitMQ 4.0 or later (two levels: 5 and above
    /// before 0-4). Elsewhere the broker ignores it. See docs/delivery.md#priorities.
    /// </summary>
    public byte Priority { get; set; }

    /// <summary>
    /// At most this many runs of this task at once across every worker (state store only; 0, the default: no limit),
    /// per <see cref="ConcurrencyKey"/> when it is set (e.g. one per tenant), else for the task as a whole. A task over the
    /// limit does not hold a prefetch slot or a task slot while it waits: it is sent round the delay levels and tried again
    /// about every 2 s (jittered), so other tasks of the queue run meanwhile. Permits are leases renewed while the task runs
    /// and taken over when a worker dies (after <c>TaskStateOptions.LeaseDuration</c>). See docs/flow-control.md#concurrency-limits.
    /// </summary>
    public int MaxConcurrency { get; set; }

    /// <summary>
    /// The resource <see cref="MaxConcurrency"/> counts per, as a template over the task's arguments, in the language of
    /// <see cref="EntityKey"/>: <c>"tenant:{tenantId}"</c>. Tasks of different kinds with the same key share its permits
    /// (put the task's name in the template to keep them apart). Needs <see cref="MaxConcurrency"/>.
    /// </summary>
    public string? ConcurrencyKey { get; set; }

    /// <summary>
    /// Makes the task unique per key, a template over its message arguments in the language of <see cref="EntityKey"/>:
    /// <c>"note:{noteId}"</c>. While a task of this kind holds the key (see <see cref="UniqueScope"/> and
    /// <see cref="UniqueFor"/>), a second enqueue with the same key sends nothing and returns the existing task's handle
    /// (same id, <see cref="TaskHandle.Deduplicated"/> set). The generated proxies set <see cref="SendOptions.UniqueKey"/>
    /// from it unless the call sets one. Keys are per task: two tasks may use the same key text without colliding. Enforced
    /// by a unique index in the state store (inside the caller's transaction through the outbox); without a state store the
    /// process fails at start-up saying so. See docs/flow-control.md#unique-tasks.
    /// </summary>
    public string? Unique { get; set; }

    /// <summary>
    /// Seconds the key of a <see cref="Unique"/> task is held at most, from the first enqueue (0, the default: no period;
    /// with <see cref="UniqueScope.WhilePending"/> or <see cref="UniqueScope.WhilePendingOrRunning"/> the key is then held
    /// as long as the task is, bounded by the state store's <c>UnfinishedExpiry</c>). Required by <see cref="UniqueScope.ForPeriod"/>.
    /// </summary>
    public int UniqueFor { get; set; }

    /// <summary>How long the key of a <see cref="Unique"/> task holds: <see cref="UniqueScope.WhilePendingOrRunning"/> by default.</summary>
    public UniqueScope UniqueScope { get; set; }

    /// <summary>
    /// Runs tasks of one <see cref="OrderKey"/> one at a time, in the order they were enqueued (state store only): the
    /// store numbers each enqueue of a key in the transaction that records it as pending, and a worker runs a task only once
    /// every earlier task of its key is final; until then it is sent round the delay levels, holding no task slot. Still
    /// ordered after a worker is killed (its run stays started, and its successors wait for the redelivery). Without
    /// <see cref="OrderKey"/> the task as a whole is one sequence. A predecessor whose message never comes (sent without the
    /// outbox by a process killed before the publish) is skipped after <c>TaskStateOptions.OrderGapTimeout</c>; revoke it to
    /// release its successors at once. Eager mode and the test harness run ordered tasks without the gate. See
    /// docs/flow-control.md#ordered-processing.
    /// </summary>
    public bool Ordered { get; set; }

    /// <summary>
    /// The key <see cref="Ordered"/> orders per, as a template over the task's arguments, in the language of
    /// <see cref="EntityKey"/>: <c>"account:{accountId}"</c>. Tasks of different kinds with the same key share one sequence
    /// (put the task's name in the template to keep them apart). Needs <see cref="Ordered"/> = <c>true</c>.
    /// </summary>
    public string? OrderKey { get; set; }
    /// <summary>
    /// At most this many runs per second, minute or hour across every worker (state store only): <c>"100/m"</c> (forms
    /// <c>n/s</c>, <c>n/m</c>, <c>n/h</c>; an invalid one is a compile-time error), per <see cref="RateLimitKey"/> when it is set,
    /// else for the task as a whole. Runs are spaced evenly (GCRA in the database): a task that may not run yet reserves the
    /// next free slot and is sent round the delay levels until then, holding no prefetch or task slot, so other tasks of the
    /// queue run meanwhile; when its slot comes it waits for its exact start (at most about a second) in its task slot.
    /// See docs/flow-control.md#rate-limits.
    /// </summary>
    public string? RateLimit { get; set; }

    /// <summary>
    /// The key <see cref="RateLimit"/> counts per, as a template over the task's arguments, in the language of
    /// <see cref="EntityKey"/>: <c>"tenant:{tenantId}"</c>. Tasks of different kinds with the same key share its rate (put the
    /// task's name in the template to keep them apart). Needs <see cref="RateLimit"/>.
    /// </summary>
    public string? RateLimitKey { get; set; }

    /// <summary>
    /// Runs of a <see cref="RateLimit"/> allowed at once after a quiet spell (default 1: every run waits its turn). A burst
    /// of b lets at most about count + b runs start in any one period. Needs <see cref="RateLimit"/>.
    /// </summary>
    public int RateLimitBurst { get; set; }
}
