using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using TaskFlow.State.Internal;

namespace TaskFlow.State;

/// <summary>What the dashboard reads and writes beyond the task list: the operators' audit log and the overview's time series.</summary>
public sealed partial class TaskStateStore
{
    private AuditStatements? _audit;

    private AuditStatements Audit => _audit ??= Database.Options.Provider == StateStoreProvider.SqlServer
        ? AuditStatements.SqlServer(Database.Dialect.SchemaName)
        : AuditStatements.PostgreSql(Database.Dialect.SchemaName);

    /// <summary>Appends one entry to the audit log (schema version 7; its <see cref="AuditEntry.Id"/> is ignored).</summary>
    public async Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(Audit.Insert, new
            {
                At = entry.At.ToUniversalTime(),
                entry.UserName,
                entry.Action,
                entry.Target,
                entry.Detail,
                entry.Outcome,
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The newest <paramref name="limit"/> entries of the audit log, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> GetAuditLogAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, TaskQuery.MaxLimit);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(Audit.SelectRecent, new { Limit = limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows.Select(r => new AuditEntry(DbValues.ToTime(r.At)!.Value, r.UserName, r.Action, r.Target, r.Detail, r.Outcome) { Id = r.Id }).ToList();
        }
    }

    /// <summary>
    /// The tasks recorded since <paramref name="since"/> per time bucket of <paramref name="bucket"/> (at least a second)
    /// and by their state now, oldest bucket first: the overview's throughput and failures over time. Buckets without
    /// tasks are absent.
    /// </summary>
    public async Task<IReadOnlyList<TaskTimelineBucket>> GetTaskTimelineAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucket, TimeSpan.FromSeconds(1));
        var seconds = (long)bucket.TotalSeconds;
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<TimelineRow>(new CommandDefinition(Audit.Timeline, new { Since = since.ToUniversalTime(), BucketSeconds = seconds }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows
                .Select(r => new TaskTimelineBucket(
                    DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(r.Bucket, CultureInfo.InvariantCulture) * seconds),
                    (TaskState)Convert.ToInt32(r.State, CultureInfo.InvariantCulture),
                    Convert.ToInt64(r.Count, CultureInfo.InvariantCulture)))
                .OrderBy(b => b.Start)
                .ThenBy(b => b.State)
                .ToList();
        }
    }

    /// <summary>The lease held on <paramref name="entityKey"/> now (<see cref="LockEntityAsync"/>), or <c>null</c> when none is (or it lapsed).</summary>
    public async Task<EntityLeaseInfo?> GetEntityLeaseAsync(string entityKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityKey);
        var connection = await Database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<LeaseSelectRow>(new CommandDefinition(Database.Dialect.Leases.Select, new { EntityKey = entityKey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (row is null || DbValues.ToTime(row.ExpiresAt) is not { } expires || expires <= Database.Now)
            {
                return null;
            }

            return new EntityLeaseInfo(entityKey, row.Holder, expires);
        }
    }

    private sealed class LeaseSelectRow
    {
        public string Holder { get; set; } = "";

        public object? ExpiresAt { get; set; }
    }

    private sealed class AuditRow
    {
        public long Id { get; set; }

        public object? At { get; set; }

        public string UserName { get; set; } = "";

        public string Action { get; set; } = "";

        public string Target { get; set; } = "";

        public string? Detail { get; set; }

        public string? Outcome { get; set; }
    }

    private sealed class TimelineRow
    {
        public object? Bucket { get; set; }

        public object? State { get; set; }

        public object? Count { get; set; }
    }
}
