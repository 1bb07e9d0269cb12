using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// The idempotency check, batched: concurrent "what state is task X in?" reads are collected while one query
/// runs and answered by the next single <c>WHERE task_id IN (...)</c> query (one statement for many tasks,
/// at most two round trips of latency for each).
/// </summary>
internal sealed class StateReader
{
    private readonly TaskStateRecords _states;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _sync = new();
    private Task? _loop;

    public StateReader(TaskStateRecords states)
    {
        _states = states;
    }

    public Task<KnownState?> ReadAsync(string taskId, CancellationToken cancellationToken)
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
            return Task.FromCanceled<KnownState?>(cancellationToken);
        }

        // The request is its own answer; a cancelled wait ends through its registration (no promise around the answer).
        var request = new Request(taskId);
        if (cancellationToken.CanBeCanceled)
        {
            request.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Request)state!).TrySetCanceled(token), request);
        }

        if (!_requests.Writer.TryWrite(request))
        {
            request.Answer(null, new ObjectDisposedException("TaskFlow state store reader is stopped"));
        }

        return request.Task;
    }

    /// <summary>Stops the loop once the queued reads are answered.</summary>
    public void Complete() => _requests.Writer.TryComplete();

    private async Task RunAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<Request>();
        // One connection from batch to batch while reads keep coming (closed after HeldConnection.IdleClose without any).
        await using var held = new HeldConnection(_states.Connections);
        while (await held.WaitToReadAsync(reader).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 1000 && reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            try
            {
                var ids = new List<string>(batch.Count);
                foreach (var request in batch)
                {
                    ids.Add(request.TaskId);
                }

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

    /// <summary>One task's read: the task id, and the answer its caller awaits (resumed on a work item of its own).</summary>
    private sealed class Request : TaskCompletionSource<KnownState?>
    {
        public Request(string taskId)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            TaskId = taskId;
        }

        public string TaskId { get; }

        /// <summary>Cancels the caller's wait (not the read); written before the request is queued.</summary>
        public CancellationTokenRegistration Registration { get; set; }

        public void Answer(KnownState? state, Exception? error)
        {
            // Unregister does not wait for a cancellation running meanwhile: whichever completes the answer first wins.
            Registration.Unregister();
            if (error is null)
            {
                TrySetResult(state);
            }
            else
            {
                TrySetException(error);
            }
        }
    }
}
