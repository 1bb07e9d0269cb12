using System;
using System.Collections.Generic;

namespace TaskFlow;

/// <summary>Per-call options for <c>ApplyAsync</c>. Every property is optional.</summary>
public sealed class SendOptions
{
    /// <summary>Creates options with nothing set.</summary>
    public SendOptions()
    {
    }

    /// <summary>
    /// Creates a copy of <paramref name="options"/>, to change some of its values with an object initializer
    /// (<c>new SendOptions(options) { EntityKey = "note:42" }</c>): the properties are <c>init</c>-only. The generated
    /// proxies use it to fill in what a task declares (<c>[Task(EntityKey = ..., IgnoreResult = ...)]</c>) when the call
    /// did not set it.
    /// </summary>
    /// <param name="options">The options to copy.</param>
    public SendOptions(SendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TaskId = options.TaskId;
        Queue = options.Queue;
        Countdown = options.Countdown;
        Eta = options.Eta;
        ExpiresIn = options.ExpiresIn;
        ExpiresAt = options.ExpiresAt;
        Priority = options.Priority;
        SoftTimeLimit = options.SoftTimeLimit;
        TimeLimit = options.TimeLimit;
        Headers = options.Headers;
        ParentId = options.ParentId;
        EntityKey = options.EntityKey;
        ConcurrencyKey = options.ConcurrencyKey;
        RateLimitKey = options.RateLimitKey;
        IgnoreResult = options.IgnoreResult;
        RootId = options.RootId;
        UniqueKey = options.UniqueKey;
        UniqueFor = options.UniqueFor;
        UniqueScope = options.UniqueScope;
        OrderKey = options.OrderKey;
    }

    /// <summary>Use this task id instead of a new one (e.g. to make an enqueue idempotent).</summary>
    public string? TaskId { get; init; }

    /// <summary>Send to this queue instead of the task's configured queue.</summary>
    public string? Queue { get; init; }

    /// <summary>Run no earlier than this long from now.</summary>
    public TimeSpan? Countdown { get; init; }

    /// <summary>Run no earlier than this instant.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>Do not run the task if it has not started this long after it was sent.</summary>
    public TimeSpan? ExpiresIn { get; init; }

    /// <summary>Do not run the task if it has not started by this instant.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>AMQP message priority (0-255). Queues honour it only when declared with a maximum priority.</summary>
    public byte? Priority { get; init; }

    /// <summary>Soft time limit (the task's cancellation token is cancelled), carried in Celery's <c>timelimit</c> header.</summary>
    public TimeSpan? SoftTimeLimit { get; init; }

    /// <summary>Hard time limit, carried in Celery's <c>timelimit</c> header.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Extra application headers sent with the message (string, number or boolean values).</summary>
    public IReadOnlyDictionary<string, object?>? Headers { get; init; }

    /// <summary>The task that caused this one (Celery <c>parent_id</c>); the root id is inherited from it when known.</summary>
    public string? ParentId { get; init; }

    /// <summary>
    /// The entity the task works on, e.g. <c>note:42</c> (state store only). The task is recorded as pending for
    /// the entity before it is sent, so that <c>TaskStateStore.RevokeEntityAsync</c> can revoke it and
    /// <c>TaskStateStore.LockEntityAsync</c> refuses (or waits) while it is pending or running; enqueueing it while
    /// a lease holds the entity throws <c>TaskFlow.State.EntityLockedException</c>. A task declared with
    /// <c>[Task(EntityKey = "note:{noteId}")]</c> gets it from its arguments when the call leaves it unset.
    /// </summary>
    public string? EntityKey { get; init; }

    /// <summary>
    /// The resource whose permits limit how many tasks of it run at once across all workers, for a task declared with
    /// <c>[Task(MaxConcurrency = n)]</c> (state store only), e.g. <c>tenant:42</c>. A task declared with
    /// <c>[Task(ConcurrencyKey = "tenant:{tenantId}")]</c> gets it from its arguments when the call leaves it unset; a task
    /// with <c>MaxConcurrency</c> and no key is limited as a whole. Up to 255 characters. See docs/flow-control.md#concurrency-limits.
    /// </summary>
    public string? ConcurrencyKey { get; init; }

    /// <summary>
    /// The key whose rate limits this task, for a task declared with <c>[Task(RateLimit = "100/m")]</c> (state store only),
    /// e.g. <c>tenant:42</c>. A task declared with <c>[Task(RateLimitKey = "tenant:{tenantId}")]</c> gets it from its
    /// arguments when the call leaves it unset; a rate-limited task without a key is limited as a whole. Up to 255
    /// characters. See docs/flow-control.md#rate-limits.
    /// </summary>
    public string? RateLimitKey { get; init; }

    /// <summary>
    /// Do not keep this call's return value in the state store (Celery <c>ignore_result</c>); its state is still recorded.
    /// Only <c>true</c> travels in the message (Celery's header is true or false, and false means "not asked"), so
    /// <c>false</c> here cannot bring back the result of a task whose results are ignored by its declaration or by
    /// configuration. See docs/state.md for the order of the settings.
    /// </summary>
    public bool? IgnoreResult { get; init; }

    /// <summary>The first task of the workflow this one belongs to (Celery <c>root_id</c>). Defaults to the task id.</summary>
    public string? RootId { get; init; }

    /// <summary>
    /// Makes this enqueue unique per key (state store only), e.g. <c>note:42</c>: while a task of the same name holds the
    /// key, nothing is sent and the existing task's handle is returned (<see cref="TaskHandle.Deduplicated"/>). A task
    /// declared with <c>[Task(Unique = "note:{noteId}")]</c> gets it from its arguments when the call leaves it unset; an
    /// explicit key wins. Up to 255 characters. See docs/flow-control.md#unique-tasks.
    /// </summary>
    public string? UniqueKey { get; init; }

    /// <summary>
    /// How long <see cref="UniqueKey"/> is held at most, from this enqueue; <c>null</c>: the task's <c>[Task(UniqueFor)]</c>
    /// (none when it declares none). Between 1 second and 365 days.
    /// </summary>
    public TimeSpan? UniqueFor { get; init; }

    /// <summary>How long <see cref="UniqueKey"/> holds; <c>null</c>: the task's <c>[Task(UniqueScope)]</c> (default <see cref="TaskFlow.UniqueScope.WhilePendingOrRunning"/>).</summary>
    public UniqueScope? UniqueScope { get; init; }

    /// <summary>
    /// Makes this send ordered per key (state store only), e.g. <c>account:42</c>: tasks sent with the same key run one at
    /// a time, in the order they were enqueued, across every worker. A task declared with
    /// <c>[Task(Ordered = true, OrderKey = "account:{accountId}")]</c> gets it from its arguments when the call leaves it
    /// unset; one declared <c>Ordered = true</c> without a key is ordered per task. Up to 255 characters. See
    /// docs/flow-control.md#ordered-processing.
    /// </summary>
    public string? OrderKey { get; init; }
}
