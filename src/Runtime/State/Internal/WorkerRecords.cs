using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>Worker heartbeats (<c>worker</c>): written by <see cref="WorkerHeartbeat"/>, read by <see cref="TaskStateStore.GetWorkersAsync"/>.</summary>
internal sealed class WorkerRecords
{
    private readonly StateConnections _connections;
    private readonly WorkerStatements _sql;
    private readonly TimeProvider _time;

    public WorkerRecords(StateConnections connections, WorkerStatements sql, TimeProvider time)
    {
        _connections = connections;
        _sql = sql;
        _time = time;
    }

    public async Task BeatAsync(WorkerRow row, CancellationToken cancellationToken)
    {
        row.Now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.Upsert, row, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(string name, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.Stop, new { Name = name, Now = _time.GetUtcNow() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Every worker; lost when not stopped and not seen for three heartbeat intervals.</summary>
    public async Task<IReadOnlyList<WorkerInfo>> ListAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<ReadRow>(new CommandDefinition(_sql.SelectAll, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows.Select(r =>
            {
                var lastSeen = DbValues.ToTime(r.LastSeenAt)!.Value;
                var stopped = DbValues.ToTime(r.StoppedAt);
                var status = stopped is not null ? WorkerStatus.Stopped : now - lastSeen > interval * 3 ? WorkerStatus.Lost : WorkerStatus.Running;
                return new WorkerInfo(
                    r.Name,
                    r.Host,
                    Convert.ToInt32(r.ProcessId, CultureInfo.InvariantCulture),
                    r.Version,
                    r.Queues.Split(',', StringSplitOptions.RemoveEmptyEntries),
                    Convert.ToInt32(r.Concurrency, CultureInfo.InvariantCulture),
                    Convert.ToInt32(r.InFlight, CultureInfo.InvariantCulture),
                    DbValues.ToTime(r.StartedAt)!.Value,
                    lastSeen,
                    stopped,
                    status);
            }).ToList();
        }
    }

    /// <summary>Deletes workers not seen since <paramref name="before"/> (cleanup).</summary>
    public async Task<int> DeleteGoneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteGone, new { Before = before }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    private sealed class ReadRow
    {
        public string Name { get; set; } = "";

        public string Host { get; set; } = "";

        public object? ProcessId { get; set; }

        public string? Version { get; set; }

        public string Queues { get; set; } = "";

        public object? Concurrency { get; set; }

        public object? InFlight { get; set; }

        public object? StartedAt { get; set; }

        public object? LastSeenAt { get; set; }

        public object? StoppedAt { get; set; }
    }
}
