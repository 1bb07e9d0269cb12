using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace TaskFlow.State.Internal;

/// <summary>
/// Background upkeep of the state store in every process that runs hosted services: applies the schema at
/// start, deletes expired records every <see cref="TaskStateOptions.CleanupInterval"/>, and cancels running
/// tasks that were revoked from another process (checked every <see cref="TaskStateOptions.RevokePollInterval"/>
/// while tasks run here: one primary-key lookup of the running ids), and sends again the long-running tasks whose
/// lease expired (<see cref="LeaseReaper"/>, every <see cref="TaskStateOptions.LeaseReapInterval"/>).
/// </summary>
internal sealed class StateMaintenance : BackgroundService
{
    private readonly TaskStateStore _store;
    private readonly LeaseReaper _reaper;

    public StateMaintenance(TaskStateStore store)
    {
        _store = store;
        _reaper = new LeaseReaper(store);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _store.Database.Schema.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal at start: every store operation tries again (and reports the error to its caller).
            StateLog.MaintenanceFailed(_store.Logger, ex, "schema");
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _store.Options;
        var time = _store.Database.Time;
        var nextCleanup = time.GetTimestamp();
        var nextReap = time.GetTimestamp();
        var tick = options.RevokePollInterval < options.LeaseReapInterval ? options.RevokePollInterval : options.LeaseReapInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_store.Running.Count > 0)
            {
                try
                {
                    foreach (var id in await _store.Database.States.RevokedAmongAsync(_store.Running.Ids(), stoppingToken).ConfigureAwait(false))
                    {
                        _store.Running.Revoke(id);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    StateLog.MaintenanceFailed(_store.Logger, ex, "revoke check");
                }
            }

            if (time.GetTimestamp() >= nextReap)
            {
                nextReap = time.GetTimestamp() + (long)(options.LeaseReapInterval.TotalSeconds * time.TimestampFrequency);
                try
                {
                    await _reaper.ReapAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    StateLog.MaintenanceFailed(_store.Logger, ex, "lease reaper");
                }
            }

            if (options.CleanupInterval > TimeSpan.Zero && time.GetTimestamp() >= nextCleanup)
            {
                nextCleanup = time.GetTimestamp() + (long)(options.CleanupInterval.TotalSeconds * time.TimestampFrequency);
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    // Bounded per pass (100 batches); the next pass goes on where this one stopped.
                    var deleted = await _store.Database.States.CleanupAsync(100, stoppingToken).ConfigureAwait(false);
                    await _store.Database.Workers.DeleteGoneAsync(time.GetUtcNow() - options.UnfinishedExpiry, stoppingToken).ConfigureAwait(false);
                    // Permits released or lost a day ago (tokens come from a sequence: deleting rows never reuses one).
                    deleted += await _store.Database.Locks.DeleteExpiredAsync(time.GetUtcNow() - TimeSpan.FromDays(1), options.CleanupBatchSize, stoppingToken).ConfigureAwait(false);
                    // Keys of unique tasks whose period ended (a key whose task ended is taken over by the next claim before that).
                    deleted += await _store.Database.UniqueKeys.DeleteExpiredAsync(time.GetUtcNow(), options.CleanupBatchSize, stoppingToken).ConfigureAwait(false);
                    // Rate-limit keys idle for a day (a missing row reads as idle, so nothing changes for them).
                    deleted += await _store.Database.RateLimits.DeleteIdleAsync(time.GetUtcNow() - TimeSpan.FromDays(1), options.CleanupBatchSize, stoppingToken).ConfigureAwait(false);
                    // Numbers of ordered tasks final for a day, then the counters of keys with no numbered task left (never while one is).
                    deleted += await _store.Database.Order.DeleteFinishedAsync(time.GetUtcNow() - TimeSpan.FromDays(1), options.CleanupBatchSize, stoppingToken).ConfigureAwait(false);
                    deleted += await _store.Database.Order.DeleteIdleAsync(time.GetUtcNow() - TimeSpan.FromDays(1), options.CleanupBatchSize, stoppingToken).ConfigureAwait(false);
                    // Fire records of periodic tasks live as long as the task records they point to.
                    deleted += await new ScheduleStore(_store, null).CleanupAsync(time.GetUtcNow() - options.ResultExpiry, 100, stoppingToken).ConfigureAwait(false);
                    if (deleted > 0)
                    {
                        StateLog.CleanedUp(_store.Logger, deleted, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    StateLog.MaintenanceFailed(_store.Logger, ex, "cleanup");
                }
            }
        }
    }
}
