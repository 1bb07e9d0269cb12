using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>
/// Keeps state writes off the task's path: writes go into a bounded channel and one background loop commits
/// them in batches (one transaction, one upsert per task, in task id order). A caller that needs its write
/// durable (the final state before the ack) awaits it: many tasks then share one commit (group commit).
/// </summary>
internal sealed class StateWriter : IAsyncDisposable
{
    private const int MaxAttempts = 8;

    private readonly TaskStateRecords _states;
    private readonly TaskStateOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<StateWrite> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _sync = new();
    private Task? _loop;

    public StateWriter(TaskStateRecords states, TaskStateOptions options, TimeProvider time, ILogger logger)
    {
        _states = states;
        _options = options;
        _time = time;
        _logger = logger;
        _channel = Channel.CreateBounded<StateWrite>(new BoundedChannelOptions(options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues a write; completes once queued (or, when <paramref name="durable"/>, once committed).</summary>
    /// <param name="write">The write.</param>
    /// <param name="durable">Whether to wait for its commit.</param>
    /// <param name="ownContinuation">
    /// The caller's code after this wait is TaskFlow's own and short (the worker's final record: log, settle, wait for the
    /// ack): it may run on the work item that releases the batch's waiters, one after another, instead of a thread-pool
    /// work item of its own. <c>false</c> where an application's code follows (a send's failure record).
    /// </param>
    /// <param name="cancellationToken">Ends the wait (not the write).</param>
    public async ValueTask WriteAsync(StateWrite write, bool durable, bool ownContinuation = false, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        if (durable)
        {
            write.Committed = new TaskCompletionSource(ownContinuation ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        }

        if (!_channel.Writer.TryWrite(write))
        {
            try
            {
                await _channel.Writer.WriteAsync(write, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException) when (write.Committed is null)
            {
                return; // the store is being disposed: a non-durable write (pending, started) is dropped
            }
            catch (ChannelClosedException ex)
            {
                throw new ObjectDisposedException("TaskFlow state store writer is stopped", ex);
            }
        }

        if (write.Committed is { } committed)
        {
            await committed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_sync)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<StateWrite>(_options.WriteBatchSize);
        var merged = new Dictionary<string, StateWrite>(StringComparer.Ordinal);
        var attempts = new List<AttemptWrite>();
        // One connection from batch to batch while writes keep coming (closed after HeldConnection.IdleClose without any).
        await using var held = new HeldConnection(_states.Connections);
        try
        {
            while (await held.WaitToReadAsync(reader).ConfigureAwait(false))
            {
                batch.Clear();
                merged.Clear();
                attempts.Clear();
                while (batch.Count < _options.WriteBatchSize && reader.TryRead(out var write))
                {
                    batch.Add(write);
                    if (write.EndedAttempt is { } ended)
                    {
                        attempts.Add(ended); // before merging: a batch may hold several attempts of one task
                    }

                    // Folded into the task's first write of the batch, in place: once queued a write is the writer's
                    // (its caller keeps only its Committed, which merging leaves alone), so no copy is made per task.
                    if (merged.TryGetValue(write.TaskId, out var earlier))
                    {
                        earlier.Merge(write);
                    }
                    else
                    {
                        merged[write.TaskId] = write;
                    }
                }

                var rows = new List<StateWrite>(merged.Values);
                rows.Sort(static (a, b) => string.CompareOrdinal(a.TaskId, b.TaskId));
                await CommitAsync(held, rows, attempts.Count == 0 ? [] : AttemptWrite.Distinct(attempts), batch).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // disposed
        }
    }

    private async Task CommitAsync(HeldConnection held, List<StateWrite> rows, List<AttemptWrite> attempts, List<StateWrite> writes)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await held.GetAsync(_stop.Token).ConfigureAwait(false);
                await _states.WriteAsync(connection, rows, attempts, _stop.Token).ConfigureAwait(false);
                StateMetrics.WriteBatchSize.Record(rows.Count);
                Release(writes, null);

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                await held.DropAsync().ConfigureAwait(false); // it may be broken: the next try opens another
                if (attempt >= MaxAttempts)
                {
                    StateLog.WriteAbandoned(_logger, ex, rows.Count, attempt);
                    Release(writes, ex);

                    return;
                }

                StateLog.WriteFailed(_logger, ex, rows.Count, attempt);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 50 * (1 << attempt))), _time, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException oce)
                {
                    Release(writes, oce);

                    return;
                }
            }
        }
    }

    /// <summary>
    /// Completes a batch's durable writes (committed when <paramref name="error"/> is <c>null</c>, else failed or, for an
    /// <see cref="OperationCanceledException"/>, cancelled) from one thread-pool work item, off the writer's loop. The
    /// waiters that asked for it (<c>ownContinuation</c>) continue there one after another, each up to its next wait;
    /// the others are completed asynchronously, each on a work item of its own. One work item per batch instead of one
    /// per task: the worker with a store made 3.5 thread-pool work items per task, against 0.2 without
    /// (docs/benchmarks.md).
    /// </summary>
    private static void Release(List<StateWrite> writes, Exception? error)
    {
        TaskCompletionSource[]? committed = null;
        var n = 0;
        foreach (var write in writes)
        {
            if (write.Committed is { } c)
            {
                (committed ??= new TaskCompletionSource[writes.Count])[n++] = c;
            }
        }

        if (committed is null)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                for (var i = 0; i < state.N; i++)
                {
                    if (state.Error is null)
                    {
                        state.Committed[i].TrySetResult();
                    }
                    else if (state.Error is OperationCanceledException)
                    {
                        state.Committed[i].TrySetCanceled();
                    }
                    else
                    {
                        state.Committed[i].TrySetException(state.Error);
                    }
                }
            },
            (Committed: committed, N: n, Error: error),
            preferLocal: false);
    }

    /// <summary>Flushes what is queued (bounded wait), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is { } loop)
        {
            try
            {
                await loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await _stop.CancelAsync().ConfigureAwait(false);
            }
        }

        _stop.Dispose();
    }
}
