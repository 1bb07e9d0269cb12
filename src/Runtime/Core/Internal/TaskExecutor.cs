using System;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;

namespace TaskFlow.Core.Internal;

/// <summary>
/// Runs one decoded message: finds the task, checks expiry, ETA, the state store's idempotency record and the
/// arguments, opens a DI scope, applies the time limits and invokes the generated invoker. Shared by the worker and
/// eager mode so both take the same path. Returns what happened; <see cref="SettlementPolicy"/> decides what follows.
/// </summary>
internal sealed class TaskExecutor
{
    // A message that arrives at most this much before its ETA waits out the rest here, in this process, then runs;
    // earlier ones go round the transport's delays again (never held in memory for longer than this).
    private static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>A copy of a task that is still running in this process is looked at again after this long.</summary>
    public static readonly TimeSpan RunningCopyRecheck = TimeSpan.FromSeconds(10);

    /// <summary>When a re-driven dead letter whose record the state store could not reopen is looked at again.</summary>
    public static readonly TimeSpan StoreRecheck = TimeSpan.FromSeconds(5);

    private readonly TaskRegistry _registry;
    private readonly IServiceScopeFactory _scopes;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;
    private readonly ITaskStateRecorder _recorder;
    private readonly LongRunningTasks _longRunning;
    private readonly ConcurrencyLimits _limits;
    private readonly RateLimits _rates;
    private readonly ILogger _logger;

    public TaskExecutor(TaskRegistry registry, IServiceScopeFactory scopes, TaskFlowOptions options, TimeProvider time, ITaskStateRecorder recorder, LongRunningTasks longRunning, ConcurrencyLimits limits, RateLimits rates, ILogger logger)
    {
        _limits = limits;
        _rates = rates;
        _logger = logger;
        _registry = registry;
        _scopes = scopes;
        _options = options;
        _time = time;
        _recorder = recorder;
        _longRunning = longRunning;
    }

    /// <summary>Ordered processing per key: the store's gate (<see cref="OrderedTasks.None"/> without one, and in replay).</summary>
    public OrderedTasks Ordered { get; init; } = OrderedTasks.None;

    /// <summary>Task ids running in this process (and recent runs whose ack was lost).</summary>
    public LocalRuns Runs { get; } = new();

    /// <summary>
    /// Checks and runs one message. <paramref name="slots"/>: the queue's task slots (its concurrency); the checks
    /// before the run (expiry, ETA, the state store's "already completed?" read, argument validation) do not hold
    /// one, so a slot is only taken by running code. Null (eager mode): run inline. <paramref name="maxDelay"/>: the
    /// longest ETA the transport carries (null: ETAs are not honoured, eager mode).
    /// </summary>
    /// <param name="message">The received message.</param>
    /// <param name="queue">The queue it came from.</param>
    /// <param name="maxDelay">The longest ETA the transport carries (null: eager mode).</param>
    /// <param name="cancellationToken">Cancelled when the worker stops.</param>
    /// <param name="slots">The queue's task slots (null: eager mode, run inline).</param>
    /// <param name="early">The transport's early ack for lease mode; <c>default</c> (eager mode): no lease mode.</param>
    /// <param name="fault">
    /// Thrown in place of the task's code (<see cref="TaskMessageRunner"/>: a test harness injecting a failure or a time-out);
    /// everything around the run (state records, retries, settlement) is as for a failure of the task itself.
    /// </param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TaskOutcome> ExecuteAsync(IncomingTask message, string queue, TimeSpan? maxDelay, CancellationToken cancellationToken, TaskSlots? slots = null, EarlyAck early = default, Exception? fault = null)
    {
        if (!_registry.TryGet(message.TaskName, out var task))
        {
            return TaskOutcome.Reject(DeadLetterReason.UnknownTask, $"no task named '{message.TaskName}' is registered in this process");
        }

        var headers = message.Headers;
        var now = _time.GetUtcNow();
        if (headers.Expires is { } expires && expires <= now)
        {
            return new TaskOutcome(TaskOutcomeKind.Expired, task, Detail: $"expired at {TaskEnvelope.FormatTime(expires)}");
        }

        if (maxDelay is { } longest && headers.Eta is { } eta)
        {
            if (eta - now > longest)
            {
                return TaskOutcome.Reject(DeadLetterReason.UnsupportedEnvelope, $"ETA {TaskEnvelope.FormatTime(eta)} is further away than the {longest.TotalDays:F1} days the transport's delays carry", task: task);
            }

            if (eta - now > EarlyTolerance)
            {
                // E.g. a Celery client's ETA task sent straight to the queue: never held in memory, sent round again.
                return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: $"ETA {TaskEnvelope.FormatTime(eta)} not reached");
            }

            while (eta > now)
            {
                // A few milliseconds early (the broker's delay hops are not exact to the millisecond, or a Celery client's
                // countdown sent straight to the queue): waited out here rather than run early or sent round again. Looked
                // at again after each wait: the runtime's timers count a coarse clock and may fire a few milliseconds
                // early, and a task never starts before its ETA.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling((eta - now).TotalMilliseconds) + 1), _time, cancellationToken).ConfigureAwait(false);
                now = _time.GetUtcNow();
            }
        }

        if (Runs.IsRunning(headers.Id))
        {
            // A copy of a task still running here: its channel closed under it (e.g. consumer_timeout) and the broker
            // handed the message back. Not run beside it, not held unacked either (that would time out in turn):
            // sent round and looked at again later, when the run's final state (or its lost ack) tells what to do.
            return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: "a run of this task is still in progress in this worker") { Until = now + RunningCopyRecheck, CopyOfRunning = true };
        }

        if (message.Redelivered && Runs.FinishedWithLostAck(headers.Id, now) is { } lost)
        {
            return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: $"{lost} in this worker already (its ack was lost when the channel closed)");
        }

        var tracked = _recorder.IsActive && _recorder.Tracks(task.Name);
        if (tracked)
        {
            var prior = await _recorder.PriorRunsAsync(message, cancellationToken).ConfigureAwait(false);
            if (prior.FinalState is "failed" or "dead_lettered" && headers.IsRedrive)
            {
                // A dead letter moved back to the queue: it runs once more (one copy, if the re-drive copied it twice).
                if (await ReopenAsync(message, task, cancellationToken).ConfigureAwait(false) is { } notNow)
                {
                    return notNow;
                }

                prior = prior with { FinalState = null };
            }
            else if (prior.Known && prior.FinalState is null && headers.IsRedrive && !message.Redelivered)
            {
                // Another copy of the same dead letter reopened the task and runs (or is about to run) it.
                return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: "re-driven already (another copy of this dead letter runs it)");
            }

            if (prior.FinalState is { } final)
            {
                // The idempotent consumer: a task already final is acked and skipped.
                return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: final);
            }

            // Runs the store counted include runs a kill rolled back (the message cannot know of those).
            message.Attempt = Math.Max(message.Attempt, prior.Attempts + 1);
        }

        var arguments = new TaskArgumentReader(task, message.Args, message.Kwargs, _options.SerializerOptions);
        try
        {
            arguments.Validate();
        }
        catch (TaskArgumentException ex)
        {
            return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex, task);
        }

        if (slots is not null && tracked && Ordered.Applies(headers))
        {
            // Without a task slot, like the idempotency read: a task whose predecessor is unfinished goes round again.
            var order = await Ordered.CheckAsync(headers, cancellationToken).ConfigureAwait(false);
            if (!order.Pass)
            {
                if (Telemetry.OrderWaits.Enabled)
                {
                    Telemetry.OrderWaits.Add(1, Telemetry.Tags(task.Name, queue));
                }

                var wait = OrderedTasks.RecheckDelay(order.Distance);
                Log.OrderDeferred(_logger, task.Name, headers.Id, headers.OrderKey!, order.BlockerId!, order.BlockerState ?? "unfinished", order.Distance, wait);
                return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: $"ordered by '{headers.OrderKey}': waits for task {order.BlockerId} ({order.BlockerState}), {order.Distance} place(s) ahead")
                {
                    Until = _time.GetUtcNow() + wait,
                };
            }
        }

        // Everything above (the state read especially) ran without a task slot, overlapped with other tasks.
        var leased = early.IsAvailable && tracked && _longRunning.Leased(task);
        if (slots is null)
        {
            return await RunAsync(message, queue, task, arguments, tracked, leased ? early : default, fault, null, cancellationToken).ConfigureAwait(false);
        }

        if (!Limited(task, headers, tracked))
        {
            // The common case, in this method's own state machine: a slot, the run, the slot given back. The limits' path
            // has a method of its own, so that this state machine (boxed for every delivery that waits for the store)
            // carries none of its locals and awaiters.
            if (!await slots.EnterAsync().ConfigureAwait(false))
            {
                return new TaskOutcome(TaskOutcomeKind.NotStarted, task);
            }

            try
            {
                return await RunAsync(message, queue, task, arguments, tracked, leased ? early : default, fault, null, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slots.Exit();
            }
        }

        return await RunLimitedAsync(message, queue, task, arguments, tracked, leased ? early : default, fault, slots, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A dead letter moved back to the queue: reopens its failed record so that it runs once more. The outcome when it must
    /// not run now; <c>null</c> to run it.
    /// </summary>
    private async ValueTask<TaskOutcome?> ReopenAsync(IncomingTask message, TaskDescriptor task, CancellationToken cancellationToken)
    {
        switch (await _recorder.ReopenAsync(message, cancellationToken).ConfigureAwait(false))
        {
            case ReopenResult.AlreadyReopened:
                return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: "re-driven already (another copy of this dead letter reopened it)");
            case ReopenResult.StoreUnavailable:
                // Not run beside a record that still says failed, not acked away either: looked at again later.
                return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: "re-driven, but the state store could not reopen its record")
                {
                    Until = _time.GetUtcNow() + StoreRecheck,
                };
            default:
                return null;
        }
    }

    /// <summary>Whether the run goes through <see cref="RunLimitedAsync"/>: each limit it applies, and only those.</summary>
    private bool Limited(TaskDescriptor task, TaskHeaders headers, bool tracked) =>
        _rates.Applies(task) || _limits.Applies(task) || OrderedHere(headers, tracked);

    /// <summary>One run of the message's order key at a time (a tracked task with a key, and a store that can lock).</summary>
    private bool OrderedHere(TaskHeaders headers, bool tracked) => tracked && Ordered.Applies(headers) && _limits.CanLock;

    /// <summary>
    /// Runs a task inside a slot under its rate limit, concurrency limit or order key (<see cref="Limited"/>): each taken
    /// inside the slot, so that only a task about to run holds one.
    /// </summary>
    private async ValueTask<TaskOutcome> RunLimitedAsync(IncomingTask message, string queue, TaskDescriptor task, TaskArgumentReader arguments, bool tracked, EarlyAck early, Exception? fault, TaskSlots slots, CancellationToken cancellationToken)
    {
        var headers = message.Headers;
        if (!await slots.EnterAsync().ConfigureAwait(false))
        {
            return new TaskOutcome(TaskOutcomeKind.NotStarted, task);
        }

        ITaskLock? permit = null;
        ITaskLock? orderPermit = null;
        try
        {
            DateTimeOffset? rateSlot = null;
            DateTimeOffset? startAt = null;
            if (_rates.Applies(task))
            {
                // Inside the slot, like a concurrency permit: a start slot is reserved by a task about to run, so runs start
                // at their slots, not when a task slot frees up after a wait here.
                var at = _time.GetUtcNow();
                var rate = await _rates.AdmitAsync(task, headers, at, cancellationToken).ConfigureAwait(false);
                if (rate.DeferUntil is { } until)
                {
                    if (Telemetry.RateLimited.Enabled)
                    {
                        Telemetry.RateLimited.Add(1, Telemetry.Tags(task.Name, queue));
                    }

                    Log.RateLimitDeferred(_logger, task.Name, headers.Id, task.RateLimit!.ToString(), RateLimits.KeyOf(task, headers), until - at, rate.Slot == until ? "arrival" : "start");
                    return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: $"rate limit {task.RateLimit} of '{RateLimits.KeyOf(task, headers)}': its slot is at {TaskEnvelope.FormatTime(until)}")
                    {
                        Until = until,
                        RateSlot = rate.Slot,
                    };
                }

                rateSlot = rate.Slot ?? at;
                startAt = rate.StartAt;
            }

            if (_limits.Applies(task))
            {
                // Taken inside the slot: a permit is held only by a task about to run, never by one waiting for a slot here.
                permit = await _limits.TryEnterAsync(task, headers, cancellationToken).ConfigureAwait(false);
                if (permit is null)
                {
                    return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: $"all {task.MaxConcurrency} permits of '{ConcurrencyLimits.ResourceOf(task, headers)}' are held")
                    {
                        Until = _time.GetUtcNow() + ConcurrencyLimits.RecheckDelay(),
                        RateSlot = rateSlot, // its arrival slot came: back, it only takes a new start slot
                    };
                }
            }

            if (OrderedHere(headers, tracked))
            {
                // One run of a key at a time, even of two copies of one task (a deferral published by a worker killed before
                // its ack, a redelivery beside a run that still goes on): the key's single permit, a lease that a killed
                // worker's run gives up after LeaseDuration. Held until the run's final state is committed (the processor
                // releases it after recording), and the task's own state read again under it: a copy that comes after the
                // run that finished it is skipped, not run beside its successor.
                orderPermit = await _limits.TryEnterOrderAsync(headers.OrderKey!, cancellationToken).ConfigureAwait(false);
                if (orderPermit is null)
                {
                    return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: $"ordered by '{headers.OrderKey}': another run of the key is in progress")
                    {
                        Until = _time.GetUtcNow() + OrderedTasks.RecheckDelay(1),
                        RateSlot = rateSlot,
                    };
                }

                var again = await _recorder.PriorRunsAsync(message, cancellationToken).ConfigureAwait(false);
                if (again.FinalState is { } final)
                {
                    return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: final);
                }
            }

            var outcome = await RunAsync(message, queue, task, arguments, tracked, early, fault, startAt, cancellationToken).ConfigureAwait(false);
            if (orderPermit is not null)
            {
                var held = orderPermit;
                orderPermit = null;
                return outcome with { OrderPermit = held };
            }

            return outcome;
        }
        finally
        {
            if (orderPermit is not null)
            {
                await orderPermit.DisposeAsync().ConfigureAwait(false);
            }

            if (permit is not null)
            {
                await permit.DisposeAsync().ConfigureAwait(false);
            }

            slots.Exit();
        }
    }

    /// <summary>Runs the task in its DI scope, under its time limits, inside a task slot. <paramref name="early"/> available: lease mode.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TaskOutcome> RunAsync(IncomingTask message, string queue, TaskDescriptor task, TaskArgumentReader arguments, bool tracked, EarlyAck early, Exception? fault, DateTimeOffset? startAt, CancellationToken cancellationToken)
    {
        IRunRecord? run;
        ILeasedRun? lease = null;
        if (early.IsAvailable)
        {
            var start = await _recorder.AcquireLeaseAsync(message, queue, cancellationToken).ConfigureAwait(false);
            if (start.StoreUnavailable)
            {
                return new TaskOutcome(TaskOutcomeKind.Deferred, task, Detail: "the state store could not take its lease") { Until = _time.GetUtcNow() + StoreRecheck };
            }

            if (start.Run is null)
            {
                return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: start.SkipReason);
            }

            // The lease row (with the message) is committed: the message itself can go.
            lease = start.Run;
            run = lease;
            await early.AcknowledgeAsync().ConfigureAwait(false);
        }
        else
        {
            run = tracked ? await _recorder.BeginRunAsync(message, queue, cancellationToken).ConfigureAwait(false) : null;
        }

        Runs.Begin(message.Id);
        if (Telemetry.QueueWait.Enabled && message.Headers.SentAt is { } sentAt)
        {
            // Clocks of the sender and this worker may differ a little: a negative wait counts as none.
            var waited = Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - sentAt);
            Telemetry.QueueWait.Record(waited / 1000.0, Telemetry.Tags(task.Name, queue));
        }

        var running = Telemetry.Running.Enabled;
        if (running)
        {
            Telemetry.Running.Add(1, Telemetry.Tags(task.Name, queue));
        }

        try
        {
            var outcome = await RunInScopeAsync(message, queue, task, arguments, run, fault, startAt, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                return outcome;
            }

            if (lease.Lost)
            {
                // Fenced: another worker took the lease over (this one missed its heartbeats) and runs the task now.
                return new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: "its lease was taken over by another worker while it ran") { Lease = lease };
            }

            return outcome with { Lease = lease };
        }
        finally
        {
            if (running)
            {
                Telemetry.Running.Add(-1, Telemetry.Tags(task.Name, queue));
            }

            Runs.End(message.Id);
            if (run is not null)
            {
                // Rolls back a transaction the task opened and did not get committed (it threw); stops a lease's heartbeat.
                await run.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TaskOutcome> RunInScopeAsync(IncomingTask message, string queue, TaskDescriptor task, TaskArgumentReader arguments, IRunRecord? run, Exception? fault, DateTimeOffset? startAt, CancellationToken cancellationToken)
    {
        if (run is not null)
        {
            cancellationToken = run.Cancellation;
        }

        if (DeliveryCallback.Inside)
        {
            // Everything so far was TaskFlow's own code, inline in the transport's delivery callback. The task's code may
            // hold its thread for its whole run (synchronous or CPU-bound work): it gets a thread-pool thread of its
            // own, so the callback returns and the queue's other deliveries run beside it, up to the concurrency.
            await Task.Yield();
        }

        // A rate limit's start slot a little ahead (at most RateLimits.MaxInlineWait): waited for here, right before the
        // task's code and after the store's work of starting the run, so the run starts at its slot.
        if (startAt is { } start && start - _time.GetUtcNow() is { Ticks: > 0 } ahead)
        {
            try
            {
                await Task.Delay(ahead, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex)
            {
                return new TaskOutcome(TaskOutcomeKind.Failed, task, Exception: ex);
            }
        }

        var headers = message.Headers;
        var soft = task.SoftTimeLimit ?? headers.SoftTimeLimit;
        var hard = task.TimeLimit ?? headers.TimeLimit;
        // The soft limit runs on the TimeProvider (a FakeTimeProvider in tests), like every other wait of the runtime.
        using var softTimer = soft is { } softLimit ? new CancellationTokenSource(softLimit, _time) : null;
        using var limits = soft is not null || hard is not null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, softTimer?.Token ?? CancellationToken.None)
            : null;

        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = new TaskContext(
                headers.Id,
                task.Name,
                queue,
                headers.Retries,
                message.Attempt,
                message.Redelivered,
                headers.RootId,
                headers.ParentId,
                headers.Eta,
                headers.Expires,
                headers.Raw,
                scope.ServiceProvider,
                _options.SerializerOptions,
                limits?.Token ?? cancellationToken)
            {
                Run = run,
            };
            try
            {
                // TaskContext.Current for the task's code: a task it sends gets it as parent (and its root as root).
                TaskContext.SetCurrent(context);
                var pending = fault is null ? task.Invoker(new TaskInvocation(arguments, context)) : ValueTask.FromException<object?>(fault);
                object? result;
                if (hard is { } hardLimit && !pending.IsCompleted)
                {
                    var running = pending.AsTask();
                    try
                    {
                        result = await running.WaitAsync(hardLimit, _time, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (TimeoutException) when (!running.IsCompleted)
                    {
                        // .NET cannot stop the code: cancel its token, stop waiting, free the slot.
                        await limits!.CancelAsync().ConfigureAwait(false);
                        _ = running.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        return new TaskOutcome(TaskOutcomeKind.Failed, task, Exception: new TaskTimeLimitExceededException(task.Name, hardLimit));
                    }
                }
                else
                {
                    result = await pending.ConfigureAwait(false);
                }

                if (run is not null && await run.CommitWorkAsync(result, task).ConfigureAwait(false) is { } committed)
                {
                    // The task's own work and its completion record committed together (or neither: another run was first).
                    return committed
                        ? new TaskOutcome(TaskOutcomeKind.Succeeded, task, Result: result, Recorded: true)
                        : new TaskOutcome(TaskOutcomeKind.Skipped, task, Detail: "completed by another run (work rolled back)");
                }

                return new TaskOutcome(TaskOutcomeKind.Succeeded, task, Result: result);
            }
            catch (TaskArgumentException ex)
            {
                return TaskOutcome.Reject(DeadLetterReason.InvalidArguments, ex.Message, ex, task);
            }
            catch (Exception ex) when (run is { Revoked: true })
            {
                return new TaskOutcome(TaskOutcomeKind.Revoked, task, Exception: ex, Detail: "revoked while running");
            }
            catch (Exception ex)
            {
                return new TaskOutcome(TaskOutcomeKind.Failed, task, Exception: ex);
            }
        }
    }
}
