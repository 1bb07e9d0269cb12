using System;
using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;
using TaskFlow.Infrastructure;

namespace TaskFlow.State.Internal;

/// <summary>
/// A run in lease mode: a <see cref="StoreRun"/> plus the lease's heartbeat. The lease is renewed every third of
/// <see cref="TaskStateOptions.LeaseDuration"/> until it is released or expired (after the run's outcome is settled,
/// so a slow retry send cannot let it lapse). When a renewal finds the lease taken over (fencing token changed), or
/// renewals fail for a whole lease duration (the reaper may have sent the task again by then), the run's token is
/// cancelled and <see cref="Lost"/> is set.
/// </summary>
internal sealed class LeasedRun : ILeasedRun
{
    private readonly TaskStateStore _store;
    private readonly StoreRun _run;
    private readonly string _taskName;
    private readonly long _token;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _heartbeat;
    private int _ended;

    public LeasedRun(TaskStateStore store, StoreRun run, string taskName, long token)
    {
        _store = store;
        _run = run;
        _taskName = taskName;
        _token = token;
        _heartbeat = Task.Run(HeartbeatAsync, CancellationToken.None);
    }

    public bool Lost { get; private set; }

    public CancellationToken Cancellation => _run.Cancellation;

    public bool Revoked => _run.Revoked;

    public ValueTask<DbTransaction> GetTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) => _run.GetTransactionAsync(isolationLevel, cancellationToken);

    public ValueTask<bool?> CommitWorkAsync(object? result, TaskDescriptor task) => _run.CommitWorkAsync(result, task);

    public ValueTask ReportProgressAsync(TaskProgress progress, CancellationToken cancellationToken) => _run.ReportProgressAsync(progress, cancellationToken);

    public ValueTask SaveCheckpointAsync(string json, CancellationToken cancellationToken) => _run.SaveCheckpointAsync(json, cancellationToken);

    public ValueTask<string?> LoadCheckpointAsync(CancellationToken cancellationToken) => _run.LoadCheckpointAsync(cancellationToken);

    /// <summary>Ends the run's unit of work; the heartbeat goes on until <see cref="ReleaseAsync"/> or <see cref="ExpireAsync"/>.</summary>
    public ValueTask DisposeAsync() => _run.DisposeAsync();

    public async ValueTask ReleaseAsync()
    {
        if (!await StopAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await _store.Database.TaskLeases.ReleaseAsync(_run.TaskId, _token, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The lease expires on its own; the reaper then finds the task final and only deletes it.
            StateLog.LeaseChangeFailed(_store.Logger, ex, _taskName, _run.TaskId, "release");
        }
    }

    public async ValueTask ExpireAsync()
    {
        if (!await StopAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await _store.Database.TaskLeases.ExpireAsync(_run.TaskId, _token, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // It expires on its own within a lease duration.
            StateLog.LeaseChangeFailed(_store.Logger, ex, _taskName, _run.TaskId, "expire");
        }
    }

    /// <summary>Stops the heartbeat once; false when it was stopped before.</summary>
    private async ValueTask<bool> StopAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _heartbeat.ConfigureAwait(false);
        _stop.Dispose();
        return true;
    }

    private async Task HeartbeatAsync()
    {
        var time = _store.Database.Time;
        var duration = _store.Options.LeaseDuration;
        var every = duration / 3;
        var heldUntil = time.GetTimestamp() + (long)(duration.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            try
            {
                await Task.Delay(every, time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (!await _store.Database.TaskLeases.RenewAsync(_run.TaskId, _token, duration, _stop.Token).ConfigureAwait(false))
                {
                    Lose("another worker took it over");
                    return;
                }

                heldUntil = time.GetTimestamp() + (long)(duration.TotalSeconds * time.TimestampFrequency);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                StateLog.LeaseChangeFailed(_store.Logger, ex, _taskName, _run.TaskId, "renew");
                if (time.GetTimestamp() >= heldUntil)
                {
                    Lose($"it could not be renewed for {duration}");
                    return;
                }
            }
        }
    }

    private void Lose(string why)
    {
        Lost = true;
        StateLog.LeaseLost(_store.Logger, _taskName, _run.TaskId, why);
        _run.Abort();
    }
}
