using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// The idempotency check, batched: concurrent "what do we know of task X?" reads are collected while one query
/// runs and answered by the next single <c>WHERE task_id IN (...)</c> query (one statement for many tasks,
/// at most two round trips of latency for each).
/// <para>
/// A read is a pooled <see cref="IValueTaskSource{TResult}"/> answering the executor's <see cref="PriorRuns"/> itself:
/// no promise, task or state machine is made per read (with the store every delivery waits for one, docs/benchmarks.md,
/// thirteenth pass). A database that cannot answer does not stop the task: its read answers <see cref="PriorRuns.None"/>
/// (run anyway, at least once, as without a store) and the error is logged.
/// </para>
/// </summary>
internal sealed class StateReader
{
    /// <summary>Requests kept for reuse; more in flight than this are made and dropped.</summary>
    internal const int PoolLimit = 1024;

    private readonly TaskStateRecords _states;
    private readonly ILogger _logger;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<Request> _pool = new();
    private readonly object _sync = new();
    private int _pooled;
    private Task? _loop;

    public StateReader(TaskStateRecords states, ILogger logger)
    {
        _states = states;
        _logger = logger;
    }

    /// <summary>Requests waiting in the pool (for tests).</summary>
    internal int Pooled => Volatile.Read(ref _pooled);

    /// <summary>
    /// What the store knows of <paramref name="taskId"/>: its final state's wire name (or <c>null</c>), the runs counted,
    /// whether it has a record at all. The returned value must be awaited once (it is pooled).
    /// </summary>
    public ValueTask<PriorRuns> ReadAsync(string taskId, CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            lock (_sync)
            {
                _loop ??= Task.Run(RunAsync, CancellationToken.None);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<PriorRuns>(cancellationToken);
        }

        var request = Rent();
        var version = request.Start(taskId, cancellationToken);
        if (!_requests.Writer.TryWrite(request))
        {
            request.Answer(null, new ObjectDisposedException("TaskFlow state store reader is stopped"));
        }

        return new ValueTask<PriorRuns>(request, version);
    }

    /// <summary>Stops the loop once the queued reads are answered.</summary>
    public void Complete() => _requests.Writer.TryComplete();

    private Request Rent()
    {
        if (_pool.TryDequeue(out var request))
        {
            Interlocked.Decrement(ref _pooled);
            return request;
        }

        return new Request(this);
    }

    private void Return(Request request)
    {
        if (Interlocked.Increment(ref _pooled) <= PoolLimit)
        {
            _pool.Enqueue(request);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
    }

    private async Task RunAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<Request>();
        var ids = new List<string>();
        // One connection from batch to batch while reads keep coming (closed after HeldConnection.IdleClose without any).
        await using var held = new HeldConnection(_states.Connections);
        while (await held.WaitToReadAsync(reader).ConfigureAwait(false))
        {
            batch.Clear();
            ids.Clear();
            while (batch.Count < 1000 && reader.TryRead(out var request))
            {
                batch.Add(request);
                ids.Add(request.TaskId);
            }

            try
            {
                var connection = await held.GetAsync(CancellationToken.None).ConfigureAwait(false);
                var states = await _states.ReadManyAsync(connection, ids, CancellationToken.None).ConfigureAwait(false);
                foreach (var request in batch)
                {
                    request.Answer(states.TryGetValue(request.TaskId, out var state) ? state : null, null);
                }
            }
            catch (Exception ex)
            {
                await held.DropAsync().ConfigureAwait(false); // it may be broken: the next batch opens another
                foreach (var request in batch)
                {
                    request.Answer(null, ex);
                }
            }
        }
    }

    /// <summary>
    /// One task's read, and the answer its caller awaits (resumed on a work item of its own). Three parties hold it: the
    /// loop until it answered, the caller until it took the answer, a cancellation registration until it can no longer
    /// run; the last one to let go puts it back in the pool.
    /// </summary>
    private sealed class Request : IValueTaskSource<PriorRuns>
    {
        private readonly StateReader _owner;
        private ManualResetValueTaskSourceCore<PriorRuns> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _registration;
        private bool _registered;
        private int _completed;
        private int _holders;

        public Request(StateReader owner)
        {
            _owner = owner;
        }

        public string TaskId { get; private set; } = string.Empty;

        /// <summary>Readies the request for a read of <paramref name="taskId"/>; the version its value task carries.</summary>
        public short Start(string taskId, CancellationToken cancellationToken)
        {
            TaskId = taskId;
            _core.Reset();
            _completed = 0;
            _registered = cancellationToken.CanBeCanceled;
            _holders = _registered ? 3 : 2;
            _registration = default;
            if (_registered)
            {
                // The caller stops waiting when cancelled (not the read, which answers the others of its batch).
                _registration = cancellationToken.UnsafeRegister(
                    static (state, token) =>
                    {
                        var request = (Request)state!;
                        request.TryComplete(default, new OperationCanceledException(token));
                        request.Release();
                    },
                    this);
            }

            return _core.Version;
        }

        /// <summary>The loop's answer: the task's known state, or the error that kept the batch from being read.</summary>
        public void Answer(KnownState? known, Exception? error)
        {
            if (error is null)
            {
                TryComplete(known is { } state ? new PriorRuns(state.State.IsFinal() ? state.State.ToWireName() : null, state.Attempts, Known: true) : PriorRuns.None, null);
            }
            else if (error is DbException or InvalidOperationException or TimeoutException)
            {
                // The database is unreachable: run anyway (at-least-once, as without a store) rather than stall every queue.
                if (Volatile.Read(ref _completed) == 0)
                {
                    StateLog.MaintenanceFailed(_owner._logger, error, "idempotency check of " + TaskId);
                }

                TryComplete(PriorRuns.None, null);
            }
            else
            {
                TryComplete(default, error);
            }

            // Unregister is true when the callback will never run: its hold ends here. False: it ran or runs, and ends it.
            if (_registered && _registration.Unregister())
            {
                Release();
            }

            Release();
        }

        public PriorRuns GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                Release();
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void TryComplete(PriorRuns result, Exception? error)
        {
            if (Interlocked.Exchange(ref _completed, 1) != 0)
            {
                return; // the answer or the cancellation came first
            }

            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                _registration = default;
                _owner.Return(this);
            }
        }
    }
}
