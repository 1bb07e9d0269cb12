using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.State.Internal;

/// <summary>
/// The state store behind the core's <see cref="ITaskStateRecorder"/> seam: the pending record around a send, the
/// idempotency read before a run, revoke tracking and the unit of work during it, and the state after it. The
/// only place the runtime's task path touches the store.
/// </summary>
internal sealed class StateRecorder : ITaskStateRecorder
{
    private readonly TaskStateStore _store;

    public StateRecorder(TaskStateStore store)
    {
        _store = store;
    }

    public bool IsActive => true;

    public bool Tracks(string taskName) => _store.Tracks(taskName);

    public async ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.OrderKey is not null)
        {
            // Its number with the pending record (and the unique claim, the entity check) in one transaction, before the publish.
            var pending = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: envelope.EntityKey).WithLineageOf(envelope).WithArguments(ArgumentsText.Of(envelope));
            return await _store.Database.Order.RecordPendingAsync(envelope, pending, cancellationToken).ConfigureAwait(false);
        }

        if (envelope.Unique is not null)
        {
            // The key is claimed with the pending record (and the entity check) in one transaction; held by another: not sent.
            var pending = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: envelope.EntityKey).WithLineageOf(envelope).WithMessageOf(envelope);
            return await _store.Database.UniqueKeys.RecordPendingAsync(envelope, pending, cancellationToken).ConfigureAwait(false);
        }

        if (envelope.EntityKey is { } entityKey)
        {
            // Recorded (and checked against entity leases) before it is sent: revoke-by-key and locks must see it.
            var pending = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending, entityKey: entityKey).WithLineageOf(envelope).WithMessageOf(envelope);
            await _store.Database.Leases.RecordPendingAsync(pending, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    public async ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.EntityKey is null && envelope.Unique is null && envelope.OrderKey is null && _store.Options.RecordPending && _store.Tracks(envelope.TaskName))
        {
            // Off the caller's path: batched by the state writer (a final state written first is never moved back).
            await _store.Writer.WriteAsync(_store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Pending).WithLineageOf(envelope).WithMessageOf(envelope), durable: false, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception)
    {
        if (envelope.Unique is not null)
        {
            // Not sent: the key goes to the next enqueue (its pending record is marked failed below).
            await _store.Database.UniqueKeys.ReleaseAsync(envelope).ConfigureAwait(false);
        }

        if (envelope.EntityKey is not null || envelope.Unique is not null || envelope.OrderKey is not null)
        {
            // Not sent: the pending record must not hold the entity, nor the ordered task's successors (failed is final).
            var failed = _store.NewWrite(envelope.Id, envelope.TaskName, envelope.Queue, TaskState.Failed, error: "not sent: " + SettlementPolicy.Summary(exception));
            await _store.Writer.WriteAsync(failed, durable: true, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    public TaskHandle Attach(TaskHandle handle) => handle with { Store = _store };

    /// <summary>
    /// The idempotent consumer: one primary-key read, batched with concurrent ones. A database that cannot answer gives
    /// <see cref="PriorRuns.None"/> (the task runs anyway, at least once, as without a store), logged by the reader.
    /// </summary>
    public ValueTask<PriorRuns> PriorRunsAsync(IncomingTask task, CancellationToken cancellationToken) =>
        _store.Reader.ReadAsync(task.Id, cancellationToken);

    public async ValueTask<IRunRecord?> BeginRunAsync(IncomingTask task, string queue, CancellationToken cancellationToken)
    {
        var run = new StoreRun(_store, _store.Running.Start(task.Id, cancellationToken), task, queue);
        task.RunStartedAt = _store.Database.Now; // the start of the attempt row, should this attempt end in an error
        if (_store.Options.RecordStarted || task.Headers.OrderKey is not null)
        {
            // (Always for an ordered task: its successors tell a running predecessor from a lost one by this record.)
            // The store's first record of the task unless it was recorded pending at send: it keeps the arguments (never overwritten).
            var started = _store.NewWrite(task.Id, task.TaskName, queue, TaskState.Started, task.Attempt, task.Headers.EntityKey).WithLineageOf(task.Headers).WithMessageOf(task.Headers, _store.DescriptorOf(task.Headers));
            await _store.Writer.WriteAsync(started, durable: false, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }

        return run;
    }

    public async ValueTask<LeaseStart> AcquireLeaseAsync(IncomingTask task, string queue, CancellationToken cancellationToken)
    {
        var now = _store.Database.Now;
        var lease = new LeaseRow
        {
            TaskId = task.Id,
            TaskName = task.TaskName,
            Queue = queue,
            Holder = _store.WorkerName,
            // The copy a reaper sends: this message, counted as redelivered once more (its run here is then behind it).
            Headers = HeaderJson.Write(HeaderCopy.Of(task.Headers.Raw, task.Headers.Redeliveries + 1)),
            Body = task.Body.ToArray(),
            Now = now,
            ExpiresAt = now + _store.Options.LeaseDuration,
        };

        (long Token, int Attempt, string? Skip) acquired;
        try
        {
            acquired = await _store.Database.TaskLeases.AcquireAsync(
                lease,
                task.Retries,
                attempt => _store.NewWrite(task.Id, task.TaskName, queue, TaskState.Started, attempt, task.Headers.EntityKey).WithLineageOf(task.Headers).WithMessageOf(task.Headers, _store.DescriptorOf(task.Headers)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            // With the database unreachable nothing is leased and the message is not acked: the caller sends it round.
            StateLog.MaintenanceFailed(_store.Logger, ex, "lease of " + task.Id);
            return new LeaseStart(null, null, task.Attempt, StoreUnavailable: true);
        }

        var (token, attempt, skip) = acquired;
        if (skip is not null)
        {
            return new LeaseStart(null, skip, task.Attempt);
        }

        task.Attempt = attempt;
        task.RunStartedAt = now;
        var run = new StoreRun(_store, _store.Running.Start(task.Id, cancellationToken), task, queue);
        return new LeaseStart(new LeasedRun(_store, run, task.TaskName, token), null, attempt);
    }

    public async ValueTask RecordUndecodableAsync(string taskId, string? taskName, string queue, string error)
    {
        try
        {
            if (taskName is not null && !_store.Tracks(taskName))
            {
                return;
            }

            var write = _store.NewWrite(taskId, taskName, queue, TaskState.DeadLettered, 1, error: error);
            await _store.Writer.WriteAsync(write, durable: true, ownContinuation: true).ConfigureAwait(false);
            StateLog.UndecodableRecorded(_store.Logger, taskName, taskId, error);
        }
        catch (Exception ex)
        {
            // Never throws: the message is dead-lettered either way.
            StateLog.RecordFailed(_store.Logger, ex, taskName ?? "(unknown task)", taskId);
        }
    }

    public async ValueTask RecordAsync(IncomingTask task, string queue, TaskDescriptor? descriptor, StateRecord record, object? result)
    {
        if (!_store.Tracks(task.TaskName))
        {
            return;
        }

        try
        {
            var error = record.Error;
            string? json = null;
            if (record.State == TaskState.Succeeded && result is not null && _store.KeepsResult(task.TaskName, descriptor, task.Headers.IgnoreResult))
            {
                try
                {
                    json = _store.SerializeResult(result);
                }
                catch (Exception ex) when (ex is NotSupportedException or System.Text.Json.JsonException or InvalidOperationException)
                {
                    error = "the result could not be serialized to JSON: " + ex.Message;
                }
            }

            var write = _store.NewWrite(task.Id, task.TaskName, queue, record.State, task.Attempt, task.Headers.EntityKey, error, json).WithLineageOf(task.Headers);
            if (MayBeFirstRecord(record.State))
            {
                write.WithMessageOf(task.Headers, descriptor ?? _store.DescriptorOf(task.Headers));
            }

            if (EndsAttempt(record.State) && task.Attempt > 0)
            {
                // Its own task_attempt row, written in the same transaction as this record (docs/state.md: the cost).
                write.EndedAttempt = AttemptWrite.Of(write, task.RunStartedAt, record.Stack);
            }

            await _store.Writer.WriteAsync(write, record.Durable && _store.Options.AckAfterStateCommit, ownContinuation: true).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never throws: the task ran; failing the message now would run it again.
            StateLog.RecordFailed(_store.Logger, ex, task.TaskName, task.Id);
        }
    }

    /// <summary>
    /// Whether a record of a delivered task in <paramref name="state"/> may be the store's first of it, so it carries the
    /// arguments: without started records, or a state reached without a run (expired, revoked, dead-lettered unread). After
    /// a run the started record holds them already (and a stored text is never overwritten).
    /// </summary>
    private bool MayBeFirstRecord(TaskState state) =>
        !_store.Options.RecordStarted || state is TaskState.Expired or TaskState.Revoked or TaskState.DeadLettered;

    /// <summary>Whether a record in <paramref name="state"/> ends an attempt in an error: retrying, failed (a time limit too), dead-lettered.</summary>
    private static bool EndsAttempt(TaskState state) => state is TaskState.Retrying or TaskState.Failed or TaskState.DeadLettered;

    public async ValueTask<ReopenResult> ReopenAsync(IncomingTask task, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.Database.States.ReopenAsync(task.Id, cancellationToken).ConfigureAwait(false)
                ? ReopenResult.Reopened
                : ReopenResult.AlreadyReopened;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            // E.g. the database refusing connections (too many clients) or the pool exhausted: nothing changed, the caller
            // sends the copy round (it must not run while the record still says failed, nor be dropped).
            StateLog.ReopenFailed(_store.Logger, ex, task.TaskName, task.Id);
            return ReopenResult.StoreUnavailable;
        }
    }

    public void Skipped(IncomingTask task, string detail) => StateLog.TaskSkipped(_store.Logger, task.TaskName, task.Id, detail);
}
