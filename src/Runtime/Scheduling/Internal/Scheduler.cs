using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling.Internal;

/// <summary>
/// The scheduler (hosted; <c>AddScheduler()</c>). Every process runs one; the one holding the database lease fires the
/// schedules, the others try the lease every tick and take over within <see cref="SchedulerOptions.LeaseDuration"/> +
/// <see cref="SchedulerOptions.TickInterval"/> when the holder dies. Each step of each schedule is one transaction,
/// fenced by the lease's token: a holder that lost its lease cannot record or send a fire.
/// </summary>
internal sealed class Scheduler : BackgroundService
{
    private readonly IScheduleStore _store;
    private readonly SchedulerOptions _options;
    private readonly IReadOnlyList<DeclaredSchedule> _declared;
    private readonly TaskRegistry _registry;
    private readonly TaskFlowOptions _flow;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private SchedulerLease? _lease;
    private long _renewedAt;

    public Scheduler(IScheduleStore store, SchedulerOptions options, IEnumerable<DeclaredSchedule> declared, TaskRegistry registry, TaskFlowOptions flow, TimeProvider time, ILogger logger)
    {
        _store = store;
        _options = options;
        _declared = declared.ToList();
        _registry = registry;
        _flow = flow;
        _time = time;
        _logger = logger;
        Holder = $"{Environment.MachineName}:{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>This scheduler's name in the lease row.</summary>
    public string Holder { get; }

    /// <summary>The lease while this scheduler holds it.</summary>
    public SchedulerLease? Lease => _lease;

    /// <summary>The declared schedules as definitions; duplicate names and invalid timings fail the start.</summary>
    public IReadOnlyList<ScheduleDefinition> DeclaredDefinitions()
    {
        var definitions = new List<ScheduleDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declared in _declared)
        {
            if (!names.Add(declared.Name))
            {
                throw new InvalidOperationException($"TaskFlow: two schedules are named '{declared.Name}'. Give one of them another name ([Periodic(Name = \"...\")] or AddSchedule's name).");
            }

            var definition = declared.ToDefinition(_flow.SerializerOptions);
            definition.Validate();
            definitions.Add(definition);
        }

        return definitions;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var definitions = DeclaredDefinitions();
        if (_options.UpsertDeclaredSchedules && definitions.Count > 0)
        {
            var stored = await _store.UpsertDeclaredAsync(definitions, cancellationToken).ConfigureAwait(false);
            SchedulingLog.DeclaredUpserted(_logger, stored);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan delay;
                try
                {
                    delay = await PassAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    delay = _options.TickInterval;
                    SchedulingLog.PassFailed(_logger, ex, delay);
                }

                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_lease is { } held)
        {
            SchedulingMetrics.Leases.Add(-1, SchedulingMetrics.LeaseTag(held.Name)); // this process stops holding it, given up or left to expire
        }

        if (_lease is { } lease && ReleaseOnStop)
        {
            _lease = null;
            try
            {
                await _store.ReleaseLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
                SchedulingLog.LeaseReleased(_logger, lease.Holder, lease.Name, lease.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SchedulingLog.PassFailed(_logger, ex, TimeSpan.Zero);
            }
        }
    }

    /// <summary>One pass: hold (take or renew) the lease, then fire what is due. Returns how long to wait.</summary>
    public async Task<TimeSpan> PassAsync(CancellationToken cancellationToken)
    {
        if (_lease is null)
        {
            var token = await _store.TryAcquireLeaseAsync(_options.LeaseName, Holder, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (token is null)
            {
                return _options.TickInterval;
            }

            _lease = new SchedulerLease(_options.LeaseName, Holder, token.Value);
            _renewedAt = _time.GetTimestamp();
            SchedulingLog.LeaseAcquired(_logger, Holder, _lease.Name, _lease.Token);
            SchedulingMetrics.Leases.Add(1, SchedulingMetrics.LeaseTag(_lease.Name));
            SchedulingMetrics.Acquired.Add(1, SchedulingMetrics.LeaseTag(_lease.Name));
        }
        else if (_time.GetElapsedTime(_renewedAt) >= _options.LeaseDuration / 3)
        {
            var started = _time.GetTimestamp();
            if (!await _store.RenewLeaseAsync(_lease, _options.LeaseDuration, cancellationToken).ConfigureAwait(false))
            {
                Lost();
                return _options.TickInterval;
            }

            _renewedAt = started;
        }

        return await FireDueAsync(_lease, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TimeSpan> FireDueAsync(SchedulerLease lease, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var due = await _store.GetDueAsync(now, 100, cancellationToken).ConfigureAwait(false);
        foreach (var schedule in due.Schedules)
        {
            ScheduleStep step;
            try
            {
                step = FirePlanner.Plan(schedule, ScheduleTasks.Resolve(_registry, schedule.Definition.TaskName), now, _options.MisfireThreshold, _options.MaxFiresPerTick);
            }
            catch (ArgumentException ex)
            {
                SchedulingLog.ScheduleBroken(_logger, schedule.Definition.Name, ex.Message);
                continue;
            }

            if (step.IsEmpty(schedule))
            {
                continue;
            }

            var outcome = await _store.ApplyAsync(lease, step, cancellationToken).ConfigureAwait(false);
            if (outcome == StepOutcome.Fenced)
            {
                Lost();
                return _options.TickInterval;
            }

            if (outcome == StepOutcome.Applied)
            {
                Report(step, _time.GetUtcNow());
            }
        }

        // Wake for the earliest next fire when it comes before the next tick (seconds-resolution schedules).
        var delay = _options.TickInterval;
        if (due.EarliestNextFire is { } earliest)
        {
            var until = earliest - _time.GetUtcNow();
            if (until < delay)
            {
                delay = until < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : until;
            }
        }

        return due.Schedules.Count >= 100 ? TimeSpan.Zero : delay;
    }

    private void Report(ScheduleStep step, DateTimeOffset committedAt)
    {
        var name = step.Definition.Name;
        var sent = step.Fires.Count(f => f.Status == ScheduleFireStatus.Sent) + (step.ReleasedBuffered is null ? 0 : 1);
        var skipped = step.Fires.Count(f => f.Status == ScheduleFireStatus.Skipped);
        var buffered = step.Fires.Count(f => f.Status == ScheduleFireStatus.Buffered);
        SchedulingLog.Fired(_logger, name, sent, skipped, buffered, step.NextFireAt);
        SchedulingMetrics.Record(name, "sent", sent);
        SchedulingMetrics.Record(name, "skipped", skipped);
        SchedulingMetrics.Record(name, "buffered", buffered);
        SchedulingMetrics.Record(name, "missed", step.Missed);
        SchedulingMetrics.Record(name, "revoked", step.Revoke.Count);
        foreach (var fire in step.Fires)
        {
            if (fire.Status == ScheduleFireStatus.Sent)
            {
                SchedulingMetrics.RecordLag(name, committedAt - fire.FireAt);
            }
        }

        if (step.Missed > 0)
        {
            SchedulingLog.Missed(_logger, step.Definition.Name, step.Missed, step.Definition.CatchUp);
        }

        foreach (var revoked in step.Revoke)
        {
            SchedulingLog.Revoked(_logger, step.Definition.Name, revoked);
        }
    }

    private void Lost()
    {
        if (_lease is { } lease)
        {
            SchedulingLog.LeaseLost(_logger, lease.Holder, lease.Name, lease.Token);
            SchedulingMetrics.Leases.Add(-1, SchedulingMetrics.LeaseTag(lease.Name));
            SchedulingMetrics.LostCount.Add(1, SchedulingMetrics.LeaseTag(lease.Name));
        }

        _lease = null;
    }

    /// <summary>Whether a graceful stop gives the lease up at once (tests turn it off to play a holder that died).</summary>
    internal bool ReleaseOnStop { get; set; } = true;
}
