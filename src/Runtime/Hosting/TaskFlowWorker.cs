using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Internal;

namespace TaskFlow.Hosting;

/// <summary>
/// The worker: a generic-host <see cref="BackgroundService"/> that consumes the configured queues with
/// manual acks after each task finishes. Registered by <c>services.AddTaskFlowWorker(...)</c>.
/// Shutdown: stop taking messages, let running tasks finish within the grace period, cancel the rest,
/// then close the channels so that the broker redelivers whatever was not acked.
/// </summary>
public sealed class TaskFlowWorker : BackgroundService
{
    private readonly BrokerConnections _connections;
    private readonly Topology _topology;
    private readonly TaskExecutor _executor;
    private readonly DeadLetters _deadLetters;
    private readonly Redelivery _redelivery;
    private readonly TaskFlowWorkerStatus _status;
    private readonly TaskRegistry _registry;
    private readonly TaskFlowOptions _options;
    private readonly TaskFlowWorkerOptions _worker;
    private readonly ILogger<TaskFlowWorker> _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly List<RunningQueue> _running = new();
    private readonly object _sync = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal TaskFlowWorker(
        BrokerConnections connections,
        Topology topology,
        TaskExecutor executor,
        DeadLetters deadLetters,
        Redelivery redelivery,
        TaskFlowWorkerStatus status,
        TaskRegistry registry,
        IOptions<TaskFlowOptions> options,
        IOptions<TaskFlowWorkerOptions> worker,
        ILogger<TaskFlowWorker> logger)
    {
        _connections = connections;
        _topology = topology;
        _executor = executor;
        _deadLetters = deadLetters;
        _redelivery = redelivery;
        _status = status;
        _registry = registry;
        _options = options.Value;
        _worker = worker.Value;
        _logger = logger;
    }

    /// <summary>Completes when every queue has a consumer registered with the broker.</summary>
    public Task Started => _started.Task;

    /// <summary>The queues this worker consumes, resolved from options (or from the registered tasks when none are configured).</summary>
    public IReadOnlyList<WorkerQueueOptions> Queues => ResolveQueues();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = ResolveQueues();
        Log.WorkerStarting(_logger, _worker.WorkerName, string.Join(", ", queues.Select(q => $"{q.Name} (concurrency {q.Concurrency}, prefetch {q.Prefetch})")), _registry.Tasks.Count);
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
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        List<RunningQueue> running;
        lock (_sync)
        {
            // Idempotent: a second stop finds nothing left to drain.
            running = _running.ToList();
            _running.Clear();
        }

        Log.WorkerStopping(_logger, running.Sum(r => r.Consumer.InFlight), _worker.ShutdownGracePeriod);
        foreach (var queue in running)
        {
            queue.Consumer.BeginStop();
            try
            {
                await queue.Channel.BasicCancelAsync(queue.ConsumerTag, noWait: false, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or TimeoutException or ObjectDisposedException)
            {
                Log.CancelFailed(_logger, queue.Name, ex.Message);
            }
        }

        var drained = Task.WhenAll(running.Select(r => r.Consumer.DrainAsync()));
        if (await Task.WhenAny(drained, Task.Delay(_worker.ShutdownGracePeriod, CancellationToken.None)).ConfigureAwait(false) != drained)
        {
            Log.GracePeriodOver(_logger, running.Sum(r => r.Consumer.InFlight));
            await _abort.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(drained, Task.Delay(_worker.ShutdownCancellationWait, CancellationToken.None)).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var queue in running)
        {
            await CloseAsync(queue.Channel).ConfigureAwait(false);
        }

        Log.WorkerStopped(_logger, running.Sum(r => r.Consumer.InFlight));
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    private async Task SuperviseAsync(WorkerQueueOptions queue, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            RunningQueue? running = null;
            try
            {
                running = await StartConsumerAsync(queue, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromSeconds(1);
                MarkStarted();
                await running.Consumer.Stopped.WaitAsync(stoppingToken).ConfigureAwait(false);
                Log.ConsumerRestarting(_logger, queue.Name);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidOperationException)
            {
                throw; // configuration errors (e.g. topology mismatch) stop the worker with their message
            }
            catch (Exception ex)
            {
                Log.ConsumerStartFailed(_logger, ex, queue.Name, delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);

                // Short steps: while the connection recovers, a long backoff would leave the worker idle after
                // the broker is back (measured up to 13 s with a 30 s cap).
                delay = TimeSpan.FromSeconds(Math.Min(2, delay.TotalSeconds * 2));
                continue;
            }

            if (running is not null)
            {
                lock (_sync)
                {
                    _running.Remove(running);
                }

                // Tasks still running on the dead channel cannot ack; their messages are redelivered.
                await CloseAsync(running.Channel).ConfigureAwait(false);
            }
        }
    }

    private async Task<RunningQueue> StartConsumerAsync(WorkerQueueOptions queue, CancellationToken cancellationToken)
    {
        var connection = await _connections.GetAsync(ConnectionRole.Consumer, cancellationToken).ConfigureAwait(false);
        if (_options.DeclareTopology)
        {
            var declare = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (declare.ConfigureAwait(false))
            {
                try
                {
                    _topology.Reset();
                    await _topology.DeclareQueueAsync(declare, queue.Name, cancellationToken).ConfigureAwait(false);
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
                {
                    throw Topology.Mismatch(queue.Name, ex);
                }
            }
        }

        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: TaskSlots.DispatchConcurrency(queue.Concurrency, queue.Prefetch, overlap: _executor.Store is not null)),
            cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, (ushort)queue.Prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new QueueConsumer(channel, queue.Name, _executor, _deadLetters, _redelivery, _options, _status, _logger, new TaskSlots(queue.Concurrency), coalesceAcks: _executor.Store is not null, _abort.Token);
        var tag = await channel.BasicConsumeAsync(queue.Name, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments: null, consumer, cancellationToken).ConfigureAwait(false);
        _status.Set(queue.Name, true);
        var running = new RunningQueue(queue.Name, channel, consumer, tag);
        lock (_sync)
        {
            _running.Add(running);
        }

        Log.Consuming(_logger, queue.Name, queue.Concurrency, queue.Prefetch);
        return running;
    }

    private void MarkStarted()
    {
        lock (_sync)
        {
            if (_running.Count >= ResolveQueues().Count)
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

    private async Task CloseAsync(IChannel channel)
    {
        try
        {
            if (channel.IsOpen)
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException or TimeoutException)
        {
            Log.CloseFailed(_logger, ex);
        }

        channel.Dispose();
    }

    private sealed record RunningQueue(string Name, IChannel Channel, QueueConsumer Consumer, string ConsumerTag);
}
