using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// The reads of <see cref="TaskStateStore.WaitAsync"/>, coalesced (docs/state.md#waiting-for-a-result). One query runs at
/// a time; the ids asked for while it runs wait for the next one, which reads them all (<see cref="TaskStateRecords.GetManyAsync"/>:
/// one connection, 1,000 ids per statement). So 1,000 waiters that start at once, or that are all signalled when the
/// listening connection (re)starts, cost a few queries on one connection, not a query and a pooled connection each (which
/// took every connection of the pool, and with several processes PostgreSQL's last connection slots). A lone waiter's read
/// starts at once, on the caller's thread, as before.
/// </summary>
/// <remarks>
/// A read that fails fails every waiter of that query, with the query's exception (as a waiter's own read did). A
/// caller's cancellation stops its wait, not the query that other waiters share.
/// </remarks>
internal sealed class WaiterReads
{
    private readonly Func<IReadOnlyList<string>, CancellationToken, Task<Dictionary<string, TaskStateInfo>>> _read;
    private readonly bool _caseInsensitiveIds;
    private readonly Lock _lock = new();
    private List<Pending> _pending = [];
    private bool _reading;
    private long _queries;
    private long _reads;

    /// <param name="read">Reads the records of distinct ids (absent: no record).</param>
    /// <param name="caseInsensitiveIds">
    /// Whether the database may match an id of another case (SQL Server's default collation): an id without a record of
    /// its exact spelling then takes the one record that differs from it only in case, as its own read by <c>=</c> would have.
    /// </param>
    public WaiterReads(Func<IReadOnlyList<string>, CancellationToken, Task<Dictionary<string, TaskStateInfo>>> read, bool caseInsensitiveIds)
    {
        _read = read;
        _caseInsensitiveIds = caseInsensitiveIds;
    }

    /// <summary>How many queries were run (each for every id asked for until it started).</summary>
    public long Queries => Interlocked.Read(ref _queries);

    /// <summary>How many reads were asked for.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The record of <paramref name="taskId"/> (<c>null</c>: none), read with the other waiters' reads of the moment.</summary>
    public Task<TaskStateInfo?> ReadAsync(string taskId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _reads);
        var pending = new Pending(taskId);
        bool start;
        lock (_lock)
        {
            _pending.Add(pending);
            start = !_reading;
            _reading = true;
        }

        if (start)
        {
            // Runs on this thread until the query's first wait, then wherever the query completes. The caller's execution
            // context (its Activity, its AsyncLocals) stays with the caller: later queries serve other waiters.
            using (ExecutionContext.SuppressFlow())
            {
                _ = DrainAsync();
            }
        }

        return cancellationToken.CanBeCanceled ? pending.Completion.Task.WaitAsync(cancellationToken) : pending.Completion.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _reading = false;
                    return;
                }

                batch = _pending;
                _pending = [];
            }

            try
            {
                var ids = new List<string>(batch.Count);
                var seen = new HashSet<string>(batch.Count, StringComparer.Ordinal);
                foreach (var pending in batch)
                {
                    if (seen.Add(pending.TaskId))
                    {
                        ids.Add(pending.TaskId);
                    }
                }

                Interlocked.Increment(ref _queries);
                // Not the callers' tokens: the query serves them all (a caller that gives up only stops waiting for it).
                var records = await _read(ids, CancellationToken.None).ConfigureAwait(false);
                Dictionary<string, TaskStateInfo>? ignoringCase = null;
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetResult(Find(records, pending.TaskId, ref ignoringCase));
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
        }
    }

    private TaskStateInfo? Find(Dictionary<string, TaskStateInfo> records, string taskId, ref Dictionary<string, TaskStateInfo>? ignoringCase)
    {
        if (records.TryGetValue(taskId, out var info))
        {
            return info;
        }

        if (!_caseInsensitiveIds || records.Count == 0)
        {
            return null;
        }

        if (ignoringCase is null)
        {
            ignoringCase = new Dictionary<string, TaskStateInfo>(records.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var (id, record) in records)
            {
                ignoringCase.TryAdd(id, record);
            }
        }

        return ignoringCase.GetValueOrDefault(taskId);
    }

    private sealed class Pending(string taskId)
    {
        public string TaskId { get; } = taskId;

        // Asynchronous continuations: the waiters of one query do not run one after another on the loop that read it.
        public TaskCompletionSource<TaskStateInfo?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
