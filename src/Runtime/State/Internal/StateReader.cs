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
    private readonly Channel<(string TaskId, TaskCompletionSource<KnownState?> Answer)> _requests =
        Channel.CreateUnbounded<(string, TaskCompletionSource<KnownState?>)>(new UnboundedChannelOptions { SingleReader = true });
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

        var answer = new TaskCompletionSource<KnownState?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_requests.Writer.TryWrite((taskId, answer)))
        {
            answer.TrySetException(new ObjectDisposedException("TaskFlow state store reader is stopped"));
        }

        return answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops the loop once the queued reads are answered.</summary>
    public void Complete() => _requests.Writer.TryComplete();

    private async Task RunAsync()
    {
        var reader = _requests.Reader;
        var batch = new List<(string TaskId, TaskCompletionSource<KnownState?> Answer)>();
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
                foreach (var (taskId, _) in batch)
                {
                    ids.Add(taskId);
                }

                var connection = await held.GetAsync(CancellationToken.None).ConfigureAwait(false);
                var states = await _states.ReadManyAsync(connection, ids, CancellationToken.None).ConfigureAwait(false);
                foreach (var (taskId, answer) in batch)
                {
                    answer.TrySetResult(states.TryGetValue(taskId, out var state) ? state : null);
                }
            }
            catch (Exception ex)
            {
                await held.DropAsync().ConfigureAwait(false); // it may be broken: the next batch opens another
                foreach (var (_, answer) in batch)
                {
                    answer.TrySetException(ex);
                }
            }
        }
    }
}
