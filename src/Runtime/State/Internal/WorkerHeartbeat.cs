using System;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskFlow.Hosting;

namespace TaskFlow.State.Internal;

/// <summary>
/// Records this process's worker in the store every <see cref="TaskStateOptions.WorkerHeartbeatInterval"/> (name,
/// host, pid, version, queues, slots, deliveries in flight) and marks it stopped on a graceful stop. Does nothing in a
/// process without a worker (a web app that only sends). A worker killed with SIGKILL stops beating and is reported
/// lost after three intervals.
/// </summary>
internal sealed class WorkerHeartbeat : BackgroundService
{
    private static readonly string? Version = typeof(WorkerHeartbeat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
    private readonly TaskStateStore _store;
    private readonly IServiceProvider _services;
    private WorkerRow? _row;

    public WorkerHeartbeat(TaskStateStore store, IServiceProvider services)
    {
        _store = store;
        _services = services;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_services.GetService<TaskFlowWorker>() is not { } worker)
        {
            return;
        }

        try
        {
            await worker.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var options = _services.GetRequiredService<IOptions<TaskFlowWorkerOptions>>().Value;
        var queues = worker.Queues;
        _row = new WorkerRow
        {
            Name = options.WorkerName,
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            Version = Version,
            Queues = string.Join(',', queues.Select(q => q.Name)),
            Concurrency = queues.Sum(q => q.Concurrency),
            StartedAt = _store.Database.Now,
        };

        var status = _services.GetRequiredService<TaskFlowWorkerStatus>();
        var time = _store.Database.Time;
        while (!stoppingToken.IsCancellationRequested)
        {
            _row.InFlight = worker.InFlight;
            try
            {
                await _store.Database.Workers.BeatAsync(_row, stoppingToken).ConfigureAwait(false);
                await _store.BeatPausedAsync(_row.Name, status.PausedQueues, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StateLog.MaintenanceFailed(_store.Logger, ex, "worker heartbeat");
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(_store.Options.WorkerHeartbeatInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_row is { } row)
        {
            try
            {
                await _store.Database.Workers.StopAsync(row.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                StateLog.MaintenanceFailed(_store.Logger, ex, "worker stop record");
            }
        }
    }
}
