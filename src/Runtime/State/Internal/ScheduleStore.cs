using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using TaskFlow.Infrastructure;
using TaskFlow.Scheduling;

namespace TaskFlow.State.Internal;

/// <summary>
/// The schedules in the database: <see cref="ISchedules"/> (run-time edits, the CLI) and the scheduler's
/// <see cref="IScheduleStore"/> (lease, upsert of declared schedules, due reads, fenced steps). A step is one
/// transaction: fence check, schedule update at its version, fire records (primary key = derived task id), outbox rows
/// of the sent fires (the relay publishes them after the commit), revokes.
/// </summary>
internal sealed class ScheduleStore : ISchedules, IScheduleStore
{
    private const string UpsertLock = "taskflow.schedules";

    private readonly TaskStateStore _store;
    private readonly TaskRegistry? _registry;
    private readonly ScheduleStatements _sql;

    public ScheduleStore(TaskStateStore store, TaskRegistry? registry)
    {
        _store = store;
        _registry = registry;
        _sql = store.Database.Dialect.Schedules;
    }

    private StateDatabase Database => _store.Database;

    private DateTimeOffset Now => Database.Time.GetUtcNow();

    public async Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<ScheduleRow>(new CommandDefinition(_sql.SelectAll, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows.Select(r => r.ToInfo()).ToList();
        }
    }

    public async Task<ScheduleInfo?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<ScheduleRow>(new CommandDefinition(_sql.SelectOne, new { Name = name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToInfo();
        }
    }

    public async Task<IReadOnlyList<ScheduleFire>> GetFiresAsync(string name, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<FireRow>(new CommandDefinition(_sql.SelectFires, new { Name = name, Limit = limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows.Select(r => r.ToFire()).ToList();
        }
    }

    public async Task<ScheduleInfo> AddAsync(ScheduleDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        var now = Now;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                if (await SelectForUpdateAsync(connection, transaction, definition.Name, cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw new InvalidOperationException($"TaskFlow: a schedule named '{definition.Name}' exists already; change it with UpdateAsync (taskflow schedules add --replace), or pick another name.");
                }

                await InsertAsync(connection, transaction, definition, ScheduleSource.Runtime, now, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return (await GetAsync(definition.Name, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<ScheduleInfo> UpdateAsync(ScheduleDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var existing = await SelectForUpdateAsync(connection, transaction, definition.Name, cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(definition.Name);
                await UpdateDefinitionAsync(connection, transaction, existing, definition, Now, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return (await GetAsync(definition.Name, cancellationToken).ConfigureAwait(false))!;
    }

    public Task<bool> PauseAsync(string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, (connection, transaction, row, now) =>
            connection.ExecuteAsync(new CommandDefinition(_sql.Pause, new { Name = name, Now = now }, transaction, cancellationToken: cancellationToken)), cancellationToken);

    public Task<bool> ResumeAsync(string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, (connection, transaction, row, now) =>
        {
            var next = Timing(row.ToDefinition()).Next(now);
            return connection.ExecuteAsync(new CommandDefinition(_sql.Resume, new { Name = name, Now = now, NextFireAt = next }, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, async (connection, transaction, row, now) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteFires, new { Name = name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return await connection.ExecuteAsync(new CommandDefinition(_sql.Delete, new { Name = name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<ScheduleFire> TriggerAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var now = Now;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var row = await SelectForUpdateAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false) ?? throw NotFound(name);
                var definition = row.ToDefinition();
                var fire = new PlannedFire(ScheduleIds.TriggeredTaskId(name, now), now, ScheduleFireStatus.Triggered);
                if (!await InsertFireAsync(connection, transaction, name, fire, null, now, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"TaskFlow: schedule '{name}' was triggered twice at the same instant; nothing more was sent.");
                }

                await SendAsync(_store.Outbox(transaction), definition, ScheduleTasks.Resolve(_registry, definition.TaskName), fire, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(_sql.SetLastFire, new { Name = name, Now = now, LastFireAt = now, LastTaskId = fire.TaskId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new ScheduleFire(name, fire.TaskId, now, ScheduleFireStatus.Triggered, now, now);
            }
        }
    }

    public async Task<long?> TryAcquireLeaseAsync(string leaseName, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = Now;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var token = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(
                _sql.AcquireLease, new { Name = leaseName, Holder = holder, Now = now, ExpiresAt = now + duration }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return token is null or DBNull ? null : Convert.ToInt64(token, CultureInfo.InvariantCulture);
        }
    }

    public async Task<bool> RenewLeaseAsync(SchedulerLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = Now;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                _sql.RenewLease, new { lease.Name, lease.Token, Now = now, ExpiresAt = now + duration }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
        }
    }

    public async Task ReleaseLeaseAsync(SchedulerLease lease, CancellationToken cancellationToken)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.ReleaseLease, new { lease.Name, lease.Token, Now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task<int> UpsertDeclaredAsync(IReadOnlyList<ScheduleDefinition> declared, CancellationToken cancellationToken)
    {
        var now = Now;
        var changed = 0;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                foreach (var definition in declared)
                {
                    var existing = await SelectForUpdateAsync(connection, transaction, definition.Name, cancellationToken).ConfigureAwait(false);
                    if (existing is null)
                    {
                        await InsertAsync(connection, transaction, definition, ScheduleSource.Code, now, cancellationToken).ConfigureAwait(false);
                        changed++;
                    }
                    else if (!existing.ToDefinition().SameAs(definition))
                    {
                        await UpdateDefinitionAsync(connection, transaction, existing, definition, now, cancellationToken).ConfigureAwait(false);
                        changed++;
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return changed;
    }

    public async Task<DueSchedules> GetDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<DueRow>(new CommandDefinition(_sql.SelectDue, new { Now = now, Limit = limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var earliest = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(_sql.SelectEarliest, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var due = rows.Select(r => new DueSchedule(
                r.ToDefinition(),
                Convert.ToInt64(r.Version, CultureInfo.InvariantCulture),
                DbValues.ToTime(r.NextFireAt),
                r.LastTaskId,
                r.LastState is null or DBNull || Convert.ToInt32(r.LastState, CultureInfo.InvariantCulture) >= 10,
                Convert.ToInt32(r.Buffered, CultureInfo.InvariantCulture),
                DbValues.ToTime(r.OldestBufferedAt))).ToList();
            return new DueSchedules(due, DbValues.ToTime(earliest is DBNull ? null : earliest));
        }
    }

    public async Task<StepOutcome> ApplyAsync(SchedulerLease lease, ScheduleStep step, CancellationToken cancellationToken)
    {
        var now = Now;
        var name = step.Definition.Name;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var outbox = _store.Outbox(transaction); // one outbox transaction row for the step's sends
                // First the fence: it locks the lease row, so a takeover waits for this step, and finds this token gone after it.
                var fenced = await connection.ExecuteAsync(new CommandDefinition(
                    _sql.FenceLease, new { lease.Name, lease.Token, Now = now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (fenced != 1)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return StepOutcome.Fenced;
                }

                var advanced = await connection.ExecuteAsync(new CommandDefinition(_sql.Advance, new
                {
                    Name = name,
                    step.Version,
                    step.NextFireAt,
                    step.LastFireAt,
                    step.LastTaskId,
                    step.Buffered,
                    Now = now,
                }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (advanced != 1)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return StepOutcome.Conflict;
                }

                if (step.ReleasedBuffered is { } released)
                {
                    var marked = await connection.ExecuteAsync(new CommandDefinition(
                        _sql.MarkFireSent, new { released.TaskId, lease.Token, Now = now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    if (marked != 1)
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        return StepOutcome.Conflict;
                    }

                    await SendAsync(outbox, step.Definition, step.Task, released, cancellationToken).ConfigureAwait(false);
                }

                foreach (var taskId in step.Revoke)
                {
                    await connection.ExecuteAsync(new CommandDefinition(_store.Database.Dialect.States.Revoke, new
                    {
                        TaskId = taskId,
                        Error = $"revoked by schedule {name}: a new fire came (CancelOther)",
                        Now = now,
                        ExpiresAt = now + Database.Options.ResultExpiry,
                    }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }

                foreach (var fire in step.Fires)
                {
                    if (!await InsertFireAsync(connection, transaction, name, fire, lease.Token, now, cancellationToken).ConfigureAwait(false))
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        return StepOutcome.Conflict;
                    }

                    if (fire.Status == ScheduleFireStatus.Sent)
                    {
                        await SendAsync(outbox, step.Definition, step.Task, fire, cancellationToken).ConfigureAwait(false);
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var taskId in step.Revoke)
        {
            _store.Running.Revoke(taskId);
        }

        return StepOutcome.Applied;
    }

    /// <summary>Deletes fire records (not buffered ones) recorded before <paramref name="before"/>, in batches.</summary>
    public async Task<long> CleanupAsync(DateTimeOffset before, int batches, CancellationToken cancellationToken)
    {
        long deleted = 0;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            for (var i = 0; i < batches; i++)
            {
                var rows = await connection.ExecuteAsync(new CommandDefinition(
                    _sql.DeleteOldFires, new { Before = before, BatchSize = Database.Options.CleanupBatchSize }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                deleted += rows;
                if (rows < Database.Options.CleanupBatchSize)
                {
                    break;
                }
            }
        }

        return deleted;
    }

    private static async Task SendAsync(ITaskClient outbox, ScheduleDefinition definition, TaskDescriptor task, PlannedFire fire, CancellationToken cancellationToken)
    {
        var options = new SendOptions
        {
            TaskId = fire.TaskId,
            Queue = definition.Queue,
            Headers = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["x-taskflow-schedule"] = definition.Name,
                ["x-taskflow-fire-at"] = fire.FireAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            },
        };
        await outbox.SendAsync(task, new JsonArguments(definition.ArgumentsJson), options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> InsertFireAsync(DbConnection connection, DbTransaction transaction, string name, PlannedFire fire, long? token, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(_sql.InsertFire, new
        {
            fire.TaskId,
            Schedule = name,
            fire.FireAt,
            Status = (short)fire.Status,
            Token = token,
            Now = now,
            SentAt = fire.Status is ScheduleFireStatus.Sent or ScheduleFireStatus.Triggered ? now : (DateTimeOffset?)null,
        }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;

    private async Task<bool> ChangeAsync(string name, Func<DbConnection, DbTransaction, ScheduleRow, DateTimeOffset, Task<int>> change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var row = await SelectForUpdateAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
                if (row is null)
                {
                    return false;
                }

                await change(connection, transaction, row, Now).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    private Task<int> LockAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(Database.Dialect.Leases.LockResource, new { Resource = UpsertLock }, transaction, cancellationToken: cancellationToken));

    private Task<ScheduleRow?> SelectForUpdateAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ScheduleRow?>(new CommandDefinition(_sql.SelectOneForUpdate, new { Name = name }, transaction, cancellationToken: cancellationToken));

    private Task<int> InsertAsync(DbConnection connection, DbTransaction transaction, ScheduleDefinition definition, ScheduleSource source, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_sql.Insert, Parameters(definition, now, Timing(definition).Next(now), source), transaction, cancellationToken: cancellationToken));

    private Task<int> UpdateDefinitionAsync(DbConnection connection, DbTransaction transaction, ScheduleRow existing, ScheduleDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = existing.ToDefinition();
        var next = before.TimingDiffers(definition) || existing.NextFireAt is null ? Timing(definition).Next(now) : DbValues.ToTime(existing.NextFireAt);
        return connection.ExecuteAsync(new CommandDefinition(_sql.UpdateDefinition, Parameters(definition, now, next, ScheduleSource.Code), transaction, cancellationToken: cancellationToken));
    }

    private static object Parameters(ScheduleDefinition d, DateTimeOffset now, DateTimeOffset? next, ScheduleSource source) => new
    {
        d.Name,
        d.TaskName,
        d.Queue,
        Arguments = d.ArgumentsJson,
        d.Cron,
        EveryMs = d.Every is { } every ? (long)every.TotalMilliseconds : (long?)null,
        d.TimeZone,
        Overlap = (short)d.Overlap,
        CatchUp = (short)d.CatchUp,
        CatchUpWindowMs = (long)d.CatchUpWindow.TotalMilliseconds,
        Source = (short)source,
        Paused = false,
        NextFireAt = next,
        Now = now,
    };

    private static ScheduleTiming Timing(ScheduleDefinition d) => ScheduleTiming.Parse(d.Name, d.Cron, d.Every, d.TimeZone);

    private static InvalidOperationException NotFound(string name) =>
        new($"TaskFlow: there is no schedule named '{name}' (list them with ISchedules.ListAsync or `taskflow schedules list`).");

    /// <summary>A schedule row (provider-neutral: numbers and times as the driver returns them).</summary>
    internal class ScheduleRow
    {
        public string Name { get; set; } = "";

        public string TaskName { get; set; } = "";

        public string? Queue { get; set; }

        public string Arguments { get; set; } = "[]";

        public string? Cron { get; set; }

        public object? EveryMs { get; set; }

        public string? TimeZone { get; set; }

        public object? Overlap { get; set; }

        public object? CatchUp { get; set; }

        public object? CatchUpWindowMs { get; set; }

        public object? Source { get; set; }

        public bool Paused { get; set; }

        public object? NextFireAt { get; set; }

        public object? LastFireAt { get; set; }

        public string? LastTaskId { get; set; }

        public object? Buffered { get; set; }

        public object? Version { get; set; }

        public object? CreatedAt { get; set; }

        public object? UpdatedAt { get; set; }

        public ScheduleDefinition ToDefinition() => new()
        {
            Name = Name,
            TaskName = TaskName,
            Queue = Queue,
            ArgumentsJson = Arguments,
            Cron = Cron,
            Every = EveryMs is null or DBNull ? null : TimeSpan.FromMilliseconds(Convert.ToInt64(EveryMs, CultureInfo.InvariantCulture)),
            TimeZone = TimeZone,
            Overlap = (OverlapPolicy)Convert.ToInt32(Overlap, CultureInfo.InvariantCulture),
            CatchUp = (CatchUpPolicy)Convert.ToInt32(CatchUp, CultureInfo.InvariantCulture),
            CatchUpWindow = TimeSpan.FromMilliseconds(Convert.ToInt64(CatchUpWindowMs, CultureInfo.InvariantCulture)),
        };

        public ScheduleInfo ToInfo() => new(
            ToDefinition(),
            (ScheduleSource)Convert.ToInt32(Source, CultureInfo.InvariantCulture),
            Paused,
            DbValues.ToTime(NextFireAt),
            DbValues.ToTime(LastFireAt),
            LastTaskId,
            Convert.ToInt32(Buffered, CultureInfo.InvariantCulture),
            DbValues.ToTime(CreatedAt)!.Value,
            DbValues.ToTime(UpdatedAt)!.Value);
    }

    /// <summary>A due schedule: the row, its last fire's task state and its oldest buffered fire.</summary>
    internal sealed class DueRow : ScheduleRow
    {
        public object? LastState { get; set; }

        public object? OldestBufferedAt { get; set; }
    }

    private sealed class FireRow
    {
        public string Schedule { get; set; } = "";

        public string TaskId { get; set; } = "";

        public object? FireAt { get; set; }

        public object? Status { get; set; }

        public object? RecordedAt { get; set; }

        public object? SentAt { get; set; }

        public ScheduleFire ToFire() => new(
            Schedule,
            TaskId,
            DbValues.ToTime(FireAt)!.Value,
            (ScheduleFireStatus)Convert.ToInt32(Status, CultureInfo.InvariantCulture),
            DbValues.ToTime(RecordedAt)!.Value,
            DbValues.ToTime(SentAt));
    }
}
