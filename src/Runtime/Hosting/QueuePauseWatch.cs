using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskFlow.Core;

namespace TaskFlow.Hosting;

/// <summary>
/// The worker's view of which queues are paused: reads <see cref="IPausedQueues"/> (the state store) every
/// <see cref="PollInterval"/> and wakes the queue supervisors of <see cref="TaskFlowWorker"/> when the set changes. A
/// failed read keeps the last known set (a database outage neither pauses nor resumes anything) and is logged once
/// per outage.
/// </summary>
internal sealed class QueuePauseWatch
{
    /// <summary>How often the paused set is read: a pause or a resume reaches every worker within about this.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly IPausedQueues? _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _sync = new();
    private HashSet<string> _paused = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _failing;

    public QueuePauseWatch(IPausedQueues? source, TimeProvider time, ILogger logger)
    {
        _source = source;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether pausing is honoured here at all (a state store is configured).</summary>
    public bool Enabled => _source is not null;

    public bool IsPaused(string queue)
    {
        lock (_sync)
        {
            return _paused.Contains(queue);
        }
    }

    /// <summary>Reads the paused set once; false when the read failed (the last known set stays).</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (_source is null)
        {
            return true;
        }

        IReadOnlyCollection<string> paused;
        try
        {
            paused = await _source.GetPausedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!_failing)
            {
                _failing = true;
                WorkerLog.PausedQueuesUnreadable(_logger, ex);
            }

            return false;
        }

        _failing = false;
        TaskCompletionSource? changed = null;
        lock (_sync)
        {
            if (!_paused.SetEquals(paused))
            {
                _paused = new HashSet<string>(paused, StringComparer.Ordinal);
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        changed?.TrySetResult();
        return true;
    }

    /// <summary>Polls until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_source is null)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Completes when <paramref name="queue"/> is paused (at once if it is).</summary>
    public Task WhenPausedAsync(string queue, CancellationToken cancellationToken) => WhenAsync(queue, paused: true, cancellationToken);

    /// <summary>Completes when <paramref name="queue"/> is not paused (at once if it is not).</summary>
    public Task WhenResumedAsync(string queue, CancellationToken cancellationToken) => WhenAsync(queue, paused: false, cancellationToken);

    private async Task WhenAsync(string queue, bool paused, CancellationToken cancellationToken)
    {
        if (_source is null)
        {
            if (paused)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        while (true)
        {
            Task changed;
            lock (_sync)
            {
                if (_paused.Contains(queue) == paused)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
