using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Core.Internal;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core.Probes;

/// <summary>
/// Sends a probe (<see cref="ProbeTask"/>) to each probed queue every <see cref="TaskFlowProbeOptions.Interval"/> and,
/// with a state store, reads its answer: the latency the worker measured when it ran it. One probe per queue is in
/// flight at a time, so a queue without consumers collects one probe, not one per interval, and its unanswered age
/// grows until the health check reports it.
/// </summary>
internal sealed class ProbeService : BackgroundService
{
    private readonly ITaskClient _client;
    private readonly TaskRegistry _registry;
    private readonly TaskFlowOptions _flow;
    private readonly TaskFlowProbeOptions _options;
    private readonly ProbeMonitor _monitor;
    private readonly QueueHeartbeat _heartbeat;
    private readonly IQueueStatsReader? _stats;
    private readonly ILogger _logger;

    public ProbeService(ITaskClient client, TaskRegistry registry, TaskFlowOptions flow, TaskFlowProbeOptions options, ProbeMonitor monitor, QueueHeartbeat heartbeat, IQueueStatsReader? stats, ILogger logger)
    {
        _heartbeat = heartbeat;
        _stats = stats;
        _client = client;
        _registry = registry;
        _flow = flow;
        _options = options;
        _monitor = monitor;
        _logger = logger;
    }

    public IReadOnlyList<string> ProbedQueues => _options.Queues.Count > 0
        ? _options.Queues.Distinct(StringComparer.Ordinal).ToList()
        : _registry.Tasks.Select(t => t.Queue ?? _flow.DefaultQueue).Append(_flow.DefaultQueue).Distinct(StringComparer.Ordinal).OrderBy(q => q, StringComparer.Ordinal).ToList();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        ProbeGauge.Add(_monitor);
        _heartbeat.Start();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        ProbeGauge.Remove(_monitor);
        _heartbeat.Stop();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = ProbedQueues;
        ProbeLog.ProbeStarted(_logger, string.Join(", ", queues), _options.Interval);
        var loops = queues.Select(queue => Task.Run(() => ProbeQueueAsync(_monitor.Of(queue), stoppingToken), CancellationToken.None)).ToList();
        if (_stats is not null)
        {
            loops.Add(Task.Run(() => SampleQueuesAsync(queues, _stats, stoppingToken), CancellationToken.None));
        }

        return Task.WhenAll(loops);
    }

    /// <summary>The queue heartbeat: the broker's figures of every probed queue, every interval.</summary>
    private async Task SampleQueuesAsync(IReadOnlyList<string> queues, IQueueStatsReader stats, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _heartbeat.Update(await stats.ReadAsync(queues, stoppingToken).ConfigureAwait(false), _monitor.Now);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _heartbeat.Failed($"{ex.GetType().Name}: {ex.Message}");
                ProbeLog.QueueFiguresFailed(_logger, ex.GetType().Name, ex.Message);
            }

            try
            {
                await Task.Delay(_options.Interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProbeQueueAsync(QueueProbe probe, CancellationToken stoppingToken)
    {
        TaskHandle? pending = null;
        DateTimeOffset sentAt = default;
        while (!stoppingToken.IsCancellationRequested)
        {
            var tick = _monitor.Now;
            try
            {
                if (pending is null)
                {
                    sentAt = _monitor.Now;
                    pending = await TaskFlowProbe.SendAsync(_client, probe.Queue, sentAt, _options.UnhealthyAfter, stoppingToken).ConfigureAwait(false);
                    if (pending.Store is null)
                    {
                        // No state store: the worker that runs it records taskflow.probe.latency; nothing to read here.
                        _monitor.Answers = false;
                        pending = null;
                    }
                    else
                    {
                        probe.Sent(pending.Id, sentAt);
                    }
                }

                if (pending is not null)
                {
                    var info = await WaitAsync(pending, stoppingToken).ConfigureAwait(false);
                    if (info is not null)
                    {
                        Settle(probe, pending, info, sentAt);
                        pending = null;
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                probe.SendFailed($"{ex.GetType().Name}: {ex.Message}");
                ProbeLog.ProbeFailed(_logger, probe.Queue, ex.GetType().Name, ex.Message);
            }

            var next = tick + _options.Interval - _monitor.Now;
            if (next > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(next, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The probe's final state within one interval, or <c>null</c> while it waits (it stays the one in flight).</summary>
    private async Task<TaskStateInfo?> WaitAsync(TaskHandle pending, CancellationToken stoppingToken)
    {
        try
        {
            return await pending.WaitAsync(_options.Interval, stoppingToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private void Settle(QueueProbe probe, TaskHandle pending, TaskStateInfo info, DateTimeOffset sentAt)
    {
        if (info.State == TaskState.Succeeded)
        {
            var latency = TaskFlowProbe.LatencyOf(info) ?? (info.StartedAt ?? info.UpdatedAt) - sentAt;
            probe.Answered(latency < TimeSpan.Zero ? TimeSpan.Zero : latency, _monitor.Now);
            ProbeLog.ProbeAnswered(_logger, probe.Queue, latency.TotalMilliseconds);
            return;
        }

        var problem = $"probe {pending.Id} ended {info.State.ToWireName()}{(info.Error is { } error ? ": " + error : string.Empty)}";
        probe.Lost(problem);
        ProbeLog.ProbeLost(_logger, probe.Queue, problem);
    }
}
