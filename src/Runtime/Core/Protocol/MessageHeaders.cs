namespace TaskFlow.Protocol;

/// <summary>
/// Header names on the wire: Celery's message protocol version 2 and the ones TaskFlow adds. TaskFlow's own
/// headers start with <c>x-taskflow-</c>; Celery workers pass unknown headers through untouched.
/// See docs/protocol.md.
/// </summary>
public static class MessageHeaders
{
#pragma warning disable CS1591 // names are self-describing; docs/protocol.md documents each
    public const string Lang = "lang";
    public const string Task = "task";
    public const string Id = "id";
    public const string RootId = "root_id";
    public const string ParentId = "parent_id";
    public const string Group = "group";
    public const string GroupIndex = "group_index";
    public const string Shadow = "shadow";
    public const string Eta = "eta";
    public const string Expires = "expires";
    public const string Retries = "retries";
    public const string TimeLimit = "timelimit";
    public const string ArgsRepr = "argsrepr";
    public const string KwargsRepr = "kwargsrepr";
    public const string Origin = "origin";
    public const string IgnoreResult = "ignore_result";

    /// <summary>Why TaskFlow dead-lettered a message (a <see cref="DeadLetterReason"/> value).</summary>
    public const string DeadLetterReason = "x-taskflow-reason";
    public const string ExceptionType = "x-taskflow-exception-type";
    public const string ExceptionMessage = "x-taskflow-exception-message";
    public const string StackTrace = "x-taskflow-stack-trace";
    public const string FailedAt = "x-taskflow-failed-at";
    public const string FirstFailedAt = "x-taskflow-first-failed-at";
    public const string LastException = "x-taskflow-last-exception";
    public const string Worker = "x-taskflow-worker";
    public const string OriginalQueue = "x-taskflow-original-queue";
    public const string Attempts = "x-taskflow-attempts";

    /// <summary>Broker redeliveries of earlier copies of this task (carried when TaskFlow sends it round again), so attempt counts survive re-sends.</summary>
    public const string Redeliveries = "x-taskflow-redeliveries";

    /// <summary>A quorum queue's count of earlier failed deliveries of this message (set by RabbitMQ).</summary>
    public const string DeliveryCount = "x-delivery-count";

    /// <summary>RabbitMQ.Client's internal publish sequence number header; never carried onto copies.</summary>
    public const string PublishSequenceNumber = "x-dotnet-pub-seq-no";

    /// <summary>The entity the task works on (<c>SendOptions.EntityKey</c>), for the state store and for people reading queues.</summary>
    public const string EntityKey = "x-taskflow-entity";

    /// <summary>The resource whose permits limit how many of these tasks run at once (<c>SendOptions.ConcurrencyKey</c>, <c>[Task(ConcurrencyKey)]</c>).</summary>
    public const string ConcurrencyKey = "x-taskflow-concurrency-key";

    /// <summary>The key whose rate limits this task (<c>SendOptions.RateLimitKey</c>, <c>[Task(RateLimitKey)]</c>).</summary>
    public const string RateLimitKey = "x-taskflow-rate-key";

    /// <summary>
    /// The key whose tasks run one at a time in enqueue order (<c>SendOptions.OrderKey</c>, <c>[Task(Ordered = true)]</c>).
    /// The sequence number itself is in the state store, not in the message.
    /// </summary>
    public const string OrderKey = "x-taskflow-order-key";

    /// <summary>
    /// On a rate-limited task sent round to wait: the slot it reserved (ISO 8601). It runs when it arrives at or after that
    /// time without asking the store again. Dropped from retries and dead letters (a retry waits its turn anew).
    /// </summary>
    public const string RateSlot = "x-taskflow-rate-slot";

    /// <summary>
    /// When the message became due in its queue, in milliseconds since the Unix epoch (an AMQP long): the time TaskFlow
    /// published it, or its ETA when it was published through the delay levels. Every publish stamps its own (a retry's
    /// is the retry's). The worker's queue wait (<c>taskflow.task.queue_wait</c>) is measured from it. Celery ignores it.
    /// </summary>
    public const string SentAt = "x-taskflow-sent-at";

    /// <summary>
    /// On a copy of a task (a retry, a dead letter, a re-driven dead letter): the <see cref="SentAt"/> of its first
    /// publish, kept when the copy is stamped with its own. Celery ignores it.
    /// </summary>
    public const string FirstSentAt = "x-taskflow-first-sent-at";

    /// <summary>
    /// The task's sensitive arguments (<c>[Sensitive]</c> parameters): comma-separated <c>position:wire_name</c> pairs,
    /// e.g. <c>1:new_password</c>. Readers show <c>***</c> for these positional arguments and keyword arguments
    /// (<see cref="SensitiveArguments"/>). Celery ignores it.
    /// </summary>
    public const string Sensitive = "x-taskflow-sensitive";

    /// <summary>W3C trace context of the span that sent the task (<see href="https://www.w3.org/TR/trace-context/"/>); the worker's span joins that trace. Celery ignores it.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>W3C trace state that goes with <see cref="TraceParent"/>, when the sender had any.</summary>
    public const string TraceState = "tracestate";
#pragma warning restore CS1591
}
