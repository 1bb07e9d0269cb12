using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Testing;

/// <summary>
/// The work caused by an action, followed until it is done: the tasks it sends, the tasks those send, their retries
/// (<see cref="TaskFlowTestHarness.Track"/>). In-process, <see cref="WaitUntilIdleAsync"/> runs them; with a real transport
/// it waits until the worker in this process brought each to a final state. Dispose it when the test is done with it.
/// </summary>
public sealed class TrackedSession : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly TaskFlowTestHarness _harness;
    private readonly int _start;
    private readonly WorkerObserver? _observer;
    private readonly Activity? _activity;
    private readonly object _gate = new();
    private readonly Dictionary<string, string?> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    internal TrackedSession(TaskFlowTestHarness harness, int start, WorkerObserver? observer, Activity? activity = null)
    {
        _harness = harness;
        _start = start;
        _observer = observer;
        _activity = activity;
    }

    /// <summary>The tasks the harness recorded since the session started.</summary>
    public IReadOnlyList<SentTask> Sent => _harness.SentSince(_start);

    internal ActivityTraceId TraceId => _activity?.TraceId ?? default;

    /// <summary>
    /// Waits until the work caused since the session started is done. In-process: runs it
    /// (<see cref="TaskFlowTestHarness.RunUntilIdleAsync"/>; time does not move). With a real transport: waits until every
    /// task sent in the session's trace (by the action, by its tasks, retries included) reached a final state on the
    /// worker; <see cref="TimeoutException"/> after <paramref name="timeout"/> (default 30 s), naming what is still pending.
    /// </summary>
    public async Task WaitUntilIdleAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_observer is null)
        {
            await _harness.RunUntilIdleAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var limit = timeout ?? DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                changed = _changed.Task;
            }

            var left = limit - Stopwatch.GetElapsedTime(started);
            try
            {
                await changed.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                string waiting;
                lock (_gate)
                {
                    waiting = string.Join(", ", _pending.Select(p => $"{p.Value} [{p.Key}]"));
                }

                throw new TimeoutException($"TaskFlow.Testing: the tracked work was not done after {limit.TotalSeconds:0.#} s; still pending: {waiting}.");
            }
        }
    }

    /// <summary>Ends the session (its trace). Call it synchronously (<c>await using</c> does), so that the trace ends for the caller too.</summary>
    public ValueTask DisposeAsync()
    {
        _observer?.Remove(this);
        _activity?.Stop();
        return ValueTask.CompletedTask;
    }

    internal void SendSeen(string id, string? taskName, bool failed)
    {
        lock (_gate)
        {
            if (!failed && !_finished.Contains(id))
            {
                _pending[id] = taskName;
            }

            Signal();
        }
    }

    internal void ProcessSeen(string id, string outcome)
    {
        if (outcome is "retried" or "deferred" or "handed_back")
        {
            return;
        }

        lock (_gate)
        {
            _finished.Add(id);
            _pending.Remove(id);
            Signal();
        }
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
