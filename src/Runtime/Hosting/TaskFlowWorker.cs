using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.Hosting;

/// <summary>
/// The worker: a generic-host <see cref="BackgroundService"/> that consumes the configured queues through the
/// transport and runs the registered tasks, settling each message after its task finished. Registered by
/// <c>services.AddTaskFlow(...).AddWorker(...)</c>. Shutdown: stop taking messages, let running tasks finish within the
/// grace period, cancel the rest, then close the consumers so that the broker redelivers whatever was not settled.
/// </summary>
public sealed class TaskFlowWorker : BackgroundService
{
    private static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);

    // Short steps: while the connection recovers, a long backoff would leave the worker idle after the broker is
    // back (measured up to 13 s with a 30 s cap).
    private static readonly TimeSpan LongestRestartDelay = TimeSpan.FromSeconds(2);

    private readonly IWorkerTransport _transport;
    private readonly TaskProcessor _processor;
    private readonly LongRunningTasks _longRunning;
    private readonly TaskFlowWorkerStatus _status;
    private readonly TaskRegistry _registry;
    private readonly TaskFlowOptions _options;
    private readonly TaskFlowWorkerOptions _worker;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskFlowWorker> _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly List<IQueueConsumer> _running = new();

    // Consumers whose channel died while tasks were still running on them: closed in the background once those
    // tasks return, so that a replacement consumer starts at once (a long task must not stall the queue).
    private readonly List<(IQueueConsumer Consumer, Task Closed)> _retired = new();
    private readonly object _sync = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _ready = new(StringComparer.Ordinal);
    private readonly QueuePauseWatch _pauses;

    internal TaskFlowWorker(
        IWorkerTransport transport,
        TaskProcessor processor,
        LongRunningTasks longRunning,
        TaskFlowWorkerStatus status,
        TaskRegistry registry,
        IOptions<TaskFlowOptions> options,
        IOptions<TaskFlowWorkerOptions> worker,
        TimeProvider time,
        ILogger<TaskFlowWorker> logger,
        IPausedQueues? pausedQueues = null)
    {
        _transport = transport;
        _processor = processor;
        _longRunning = longRunning;
        _status = status;
        _registry = registry;
        _options = options.Value;
        _worker = worker.Value;
        _time = time;
        _logger = logger;
        _pauses = new QueuePauseWatch(pausedQueues, time, logger);
    }

    /// <summary>Completes when every queue has a consumer registered with the broker (or is paused).</summary>
    public Task Started => _started.Task;

    /// <summary>Deliveries being processed now, over every queue (retired consumers' tasks included).</summary>
    public int InFlight
    {
        get
        {
            lock (_sync)
            {
                return _running.Sum(c => c.InFlight) + _retired.Sum(r => r.Consumer.InFlight);
            }
        }
    }

    /// <summary>The queues this worker consumes, resolved from options (or from the registered tasks when none are configured).</summary>
    public IReadOnlyList<WorkerQueueOptions> Queues => ResolveQueues();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = ResolveQueues();
        WorkerLog.WorkerStarting(_logger, _worker.WorkerName, string.Join(", ", queues.Select(q => $"{q.Name} (concurrency {q.Concurrency}, prefetch {q.PrefetchWith(_processor.RecordsState)})")), _registry.Tasks.Count);
        foreach (var task in _longRunning.AtRisk(_registry.Tasks))
        {
            WorkerLog.TimeLimitBeyondConsumerTimeout(_logger, task.Name, task.TimeLimit!.Value, _longRunning.ConsumerTimeout!.Value);
        }

        // With a state store, paused queues are read before any consumer starts (a paused queue is not consumed even
        // briefly) and then about once a second.
        await _pauses.RefreshAsync(stoppingToken).ConfigureAwait(false);
        var watch = _pauses.RunAsync(stoppingToken);
        try
        {
            var supervisors = queues.Select(queue => SuperviseAsync(queue, stoppingToken)).ToList();
            await Task.WhenAll(supervisors).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }
        finally
        {
            await watch.ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        List<IQueueConsumer> running;
        List<(IQueueConsumer Consumer, Task Closed)> retired;
        lock (_sync)
        {
            // Idempotent: a second stop finds nothing left to drain.
            running = _running.ToList();
            _running.Clear();
            retired = _retired.ToList();
            _retired.Clear();
        }

        // Tasks still running on retired consumers count as running work too: they get the same grace period.
        running.AddRange(retired.Select(r => r.Consumer));

        WorkerLog.WorkerStopping(_logger, running.Sum(r => r.InFlight), _worker.ShutdownGracePeriod);
        foreach (var consumer in running)
        {
            await consumer.StopTakingAsync().ConfigureAwait(false);
        }

        var drained = Task.WhenAll(running.Select(r => r.DrainAsync()));
        if (await Task.WhenAny(drained, Task.Delay(_worker.ShutdownGracePeriod, _time, CancellationToken.None)).ConfigureAwait(false) != drained)
        {
            WorkerLog.GracePeriodOver(_logger, running.Sum(r => r.InFlight));
            await _abort.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(drained, Task.Delay(_worker.ShutdownCancellationWait, _time, CancellationToken.None)).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var consumer in running)
        {
            if (!retired.Any(r => ReferenceEquals(r.Consumer, consumer)))
            {
                await consumer.CloseAsync().ConfigureAwait(false);
            }
        }

        await Task.WhenAny(Task.WhenAll(retired.Select(r => r.Closed)), Task.Delay(_worker.ShutdownCancellationWait, _time, CancellationToken.None)).ConfigureAwait(false);

        WorkerLog.WorkerStopped(_logger, running.Sum(r => r.InFlight));
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    private async Task SuperviseAsync(WorkerQueueOptions queue, CancellationToken stoppingToken)
    {
        var delay = FirstRestartDelay;
        var work = new QueueWork(_processor, new TaskSlots(queue.Concurrency), _status, _abort.Token);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_pauses.IsPaused(queue.Name))
            {
                if (!await WaitWhilePausedAsync(queue, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }

                // The paused consumer closed the queue's slots (no new runs) and its runs have finished: fresh slots.
                work = new QueueWork(_processor, new TaskSlots(queue.Concurrency), _status, _abort.Token);
            }

            IQueueConsumer? consumer = null;
            try
            {
                consumer = await _transport.StartAsync(queue, work, stoppingToken).ConfigureAwait(false);
                lock (_sync)
                {
                    _running.Add(consumer);
                }

                delay = FirstRestartDelay;
                if (_status.PausedQueues.Contains(queue.Name, StringComparer.Ordinal))
                {
                    _status.SetPaused(queue.Name, false);
                    WorkerLog.QueueResumed(_logger, queue.Name);
                }

                MarkStarted(queue.Name);
                var paused = _pauses.WhenPausedAsync(queue.Name, stoppingToken);
                if (await Task.WhenAny(consumer.Stopped, paused).WaitAsync(stoppingToken).ConfigureAwait(false) == paused)
                {
                    await PauseAsync(queue.Name, consumer).ConfigureAwait(false);
                    continue;
                }

                WorkerLog.ConsumerRestarting(_logger, queue.Name);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidOperationException)
            {
                throw; // configuration errors (e.g. a topology mismatch) stop the worker with their message
            }
            catch (Exception ex)
            {
                WorkerLog.ConsumerStartFailed(_logger, ex, queue.Name, delay);
                // The back-off, cut short when the connection that dropped recovers (consuming resumes with it).
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    var backOff = Task.Delay(delay, _time, wait.Token);
                    await Task.WhenAny(backOff, _transport.WhenReconnected()).ConfigureAwait(false);
                    await wait.CancelAsync().ConfigureAwait(false);
                }

                delay = TimeSpan.FromTicks(Math.Min(LongestRestartDelay.Ticks, delay.Ticks * 2));
                continue;
            }

            Retire(consumer, queue.Name);
        }
    }

    /// <summary>Marks <paramref name="queue"/> paused and waits for its resume; false when the worker stopped meanwhile.</summary>
    private async Task<bool> WaitWhilePausedAsync(WorkerQueueOptions queue, CancellationToken stoppingToken)
    {
        if (!_status.PausedQueues.Contains(queue.Name, StringComparer.Ordinal))
        {
            WorkerLog.QueuePausedAtStart(_logger, queue.Name);
        }

        _status.SetPaused(queue.Name, true);
        MarkStarted(queue.Name);
        try
        {
            await _pauses.WhenResumedAsync(queue.Name, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// An operator paused the queue: stop taking deliveries (prefetched ones go back to the queue untouched), let the
    /// tasks running on it finish and settle (acked as usual), then close the consumer. Nothing is cancelled: at
    /// shutdown meanwhile, <see cref="StopAsync"/> drains it like any other consumer.
    /// </summary>
    private async Task PauseAsync(string queue, IQueueConsumer consumer)
    {
        WorkerLog.QueuePaused(_logger, queue, consumer.InFlight);
        _status.SetPaused(queue, true);
        await consumer.StopTakingAsync().ConfigureAwait(false);
        await consumer.DrainAsync().ConfigureAwait(false);
        bool owned;
        lock (_sync)
        {
            owned = _running.Remove(consumer);
        }

        if (owned)
        {
            await consumer.CloseAsync().ConfigureAwait(false); // else StopAsync took it and closes it
        }
    }

    /// <summary>
    /// Takes a consumer whose channel died out of service without waiting for it: closing a channel waits for the
    /// tasks still running on it, which may take hours, and the queue must not wait with them. Its tasks keep their
    /// slots and finish; their messages were handed back by the broker (the copies meet the still-running run in
    /// the executor, which defers them) and their outcomes are recorded but cannot be acked.
    /// </summary>
    private void Retire(IQueueConsumer consumer, string queue)
    {
        var inFlight = consumer.InFlight;
        if (inFlight > 0)
        {
            WorkerLog.ConsumerRetired(_logger, queue, inFlight);
        }

        lock (_sync)
        {
            _running.Remove(consumer);
            var closed = CloseRetiredAsync(consumer);
            if (!closed.IsCompleted)
            {
                _retired.Add((consumer, closed));
            }
        }
    }

    private async Task CloseRetiredAsync(IQueueConsumer consumer)
    {
        await Task.Yield();
        try
        {
            await consumer.RetireAsync().ConfigureAwait(false);
            await consumer.CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                _retired.RemoveAll(r => ReferenceEquals(r.Consumer, consumer));
            }
        }
    }

    private void MarkStarted(string queue)
    {
        lock (_sync)
        {
            _ready.Add(queue);
            if (_ready.Count >= ResolveQueues().Count)
            {
                _started.TrySetResult();
            }
        }
    }

    private List<WorkerQueueOptions> ResolveQueues()
    {
        if (_worker.Queues.Count > 0)
        {
            return _worker.Queues.ToList();
        }

        return _registry.Tasks.Select(t => t.Queue ?? _options.DefaultQueue)
            .Append(_options.DefaultQueue)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(name => name, StringComparer.Ordinal)
            .Select(name => new WorkerQueueOptions { Name = name })
            .ToList();
    }
}
