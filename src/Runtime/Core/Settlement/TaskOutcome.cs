using System;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// What happened to one message in the executor; <see cref="SettlementPolicy"/> turns it into a <see cref="Settlement"/>.
/// <para>
/// Small on purpose: the kind, the task, its result or exception. Everything a common run does not have (a detail, a
/// deferral's times, a lease, an order permit) is in one object made only when set. With a state store every delivery
/// waits for the store inside the executor, so the state machines of the methods that await an outcome are boxed for
/// every task, each holding several copies of it (a result, an awaiter): 112 bytes a copy before, 40 now
/// (docs/benchmarks.md, thirteenth pass).
/// </para>
/// </summary>
internal readonly record struct TaskOutcome
{
    private readonly Rare? _rare;

    /// <param name="Kind">What happened.</param>
    /// <param name="Task">The task, when the message named a registered one.</param>
    /// <param name="Result">The task's return value (succeeded).</param>
    /// <param name="Exception">What the task threw (failed), or why its arguments did not bind (rejected).</param>
    /// <param name="Reason">A <see cref="Protocol.DeadLetterReason"/> (rejected).</param>
    /// <param name="Detail">A human-readable explanation.</param>
    /// <param name="Recorded">The final state is already committed (atomic task work): record nothing more.</param>
    /// <remarks>The parameters keep the names of the properties they set: callers name them (<c>Detail: ...</c>).</remarks>
    public TaskOutcome(TaskOutcomeKind Kind, TaskDescriptor? Task = null, object? Result = null, Exception? Exception = null, string? Reason = null, string? Detail = null, bool Recorded = false)
    {
        this.Kind = Kind;
        this.Task = Task;
        this.Result = Result;
        this.Exception = Exception;
        this.Recorded = Recorded;
        _rare = Reason is null && Detail is null ? null : new Rare { Reason = Reason, Detail = Detail };
    }

    /// <summary>What happened.</summary>
    public TaskOutcomeKind Kind { get; init; }

    /// <summary>The task, when the message named a registered one.</summary>
    public TaskDescriptor? Task { get; init; }

    /// <summary>The task's return value (succeeded).</summary>
    public object? Result { get; init; }

    /// <summary>What the task threw (failed), or why its arguments did not bind (rejected).</summary>
    public Exception? Exception { get; init; }

    /// <summary>The final state is already committed (atomic task work): record nothing more.</summary>
    public bool Recorded { get; init; }

    /// <summary>A <see cref="Protocol.DeadLetterReason"/> (rejected).</summary>
    public string? Reason
    {
        get => _rare?.Reason;
        init => _rare = (_rare ?? Rare.None) with { Reason = value };
    }

    /// <summary>A human-readable explanation.</summary>
    public string? Detail
    {
        get => _rare?.Detail;
        init => _rare = (_rare ?? Rare.None) with { Detail = value };
    }

    /// <summary>Deferred: when to look at the message again (<c>null</c>: its ETA).</summary>
    public DateTimeOffset? Until
    {
        get => _rare?.Until;
        init => _rare = (_rare ?? Rare.None) with { Until = value };
    }

    /// <summary>Deferred because a run of the same task is still in progress in this worker (a redelivered copy), not for its ETA or a limit.</summary>
    public bool CopyOfRunning
    {
        get => _rare?.CopyOfRunning ?? false;
        init => _rare = (_rare ?? Rare.None) with { CopyOfRunning = value };
    }

    /// <summary>Deferred: the rate-limit slot the task reserved, carried on the copy so that it runs on arrival without asking again.</summary>
    public DateTimeOffset? RateSlot
    {
        get => _rare?.RateSlot;
        init => _rare = (_rare ?? Rare.None) with { RateSlot = value };
    }

    /// <summary>The run held a lease (lease mode): its message is already acked; the lease is released after settlement.</summary>
    public ILeasedRun? Lease
    {
        get => _rare?.Lease;
        init => _rare = (_rare ?? Rare.None) with { Lease = value };
    }

    /// <summary>An ordered task's permit on its key, released by the processor once the run's state is recorded (so no other run of the key starts before it is committed).</summary>
    public ITaskLock? OrderPermit
    {
        get => _rare?.OrderPermit;
        init => _rare = (_rare ?? Rare.None) with { OrderPermit = value };
    }

    public static TaskOutcome Reject(string reason, string detail, Exception? exception = null, TaskDescriptor? task = null) =>
        new(TaskOutcomeKind.Rejected, task, Exception: exception, Reason: reason, Detail: detail);

    /// <summary>What a common run does not set; never changed once made (<c>with</c> copies it).</summary>
    private sealed record Rare
    {
        public static readonly Rare None = new();

        public string? Reason { get; init; }

        public string? Detail { get; init; }

        public DateTimeOffset? Until { get; init; }

        public bool CopyOfRunning { get; init; }

        public DateTimeOffset? RateSlot { get; init; }

        public ILeasedRun? Lease { get; init; }

        public ITaskLock? OrderPermit { get; init; }
    }
}
