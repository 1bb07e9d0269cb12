using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>
/// The state store's database: connections, the schema, and every statement the runtime runs (through
/// Dapper, SQL from the <see cref="SqlDialect"/>). Thread-safe; one per process.
/// </summary>
internal sealed class StateDatabase
{
    private readonly Func<DbConnection> _factory;
    private readonly ILogger _logger;
    private readonly object _sync = new();
    private Task? _ready;

    public StateDatabase(TaskStateOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        Options = options;
        Time = time;
        _logger = logger;
        _factory = options.ConnectionFactory!;
        Dialect = options.Provider == StateStoreProvider.SqlServer ? SqlServerDialect.Create(options.Schema) : PostgreSqlDialect.Create(options.Schema);
    }

    public TaskStateOptions Options { get; }

    public TimeProvider Time { get; }

    public SqlDialect Dialect { get; }

    public int LatestVersion => Dialect.Schema.LatestVersion;

    public DateTimeOffset Now => Time.GetUtcNow();

    internal static DateTimeOffset? ToTime(object? value) => value switch
    {
        null or DBNull => null,
        DateTimeOffset offset => offset.ToUniversalTime(),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        _ => throw new InvalidCastException($"TaskFlow: unexpected time value of type {value.GetType()}"),
    };

    /// <summary>A new open connection, after the schema is ready.</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<DbConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = _factory() ?? throw new InvalidOperationException("TaskFlow state store: the connection factory returned null.");
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>Applies (or, with <see cref="TaskStateOptions.ApplySchemaAutomatically"/> off, checks) the schema once per process.</summary>
    public Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        var ready = _ready;
        if (ready is { IsCompletedSuccessfully: true })
        {
            return ready;
        }

        lock (_sync)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = Options.ApplySchemaAutomatically ? ApplySchemaAsync(CancellationToken.None) : CheckSchemaAsync();
            }

            return _ready.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Creates or migrates the schema: one transaction under a database-wide lock; returns how many migrations ran.</summary>
    public async Task<int> ApplySchemaAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await connection.ExecuteAsync(new CommandDefinition(Dialect.Schema.LockMigrations, new { Resource = "taskflow.migrations:" + Dialect.SchemaName }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                foreach (var statement in Dialect.Schema.Bootstrap)
                {
                    await connection.ExecuteAsync(new CommandDefinition(statement, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }

                var applied = (await connection.QueryAsync<int>(new CommandDefinition(Dialect.Schema.SelectAppliedVersions, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
                var count = 0;
                foreach (var migration in Dialect.Schema.Migrations)
                {
                    if (applied.Contains(migration.Version))
                    {
                        continue;
                    }

                    foreach (var statement in migration.Statements)
                    {
                        await connection.ExecuteAsync(new CommandDefinition(statement, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    }

                    await connection.ExecuteAsync(new CommandDefinition(Dialect.Schema.InsertVersion, new { migration.Version, migration.Description, Now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    count++;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (count > 0)
                {
                    StateLog.SchemaApplied(_logger, Dialect.SchemaName, Dialect.Name, count, LatestVersion);
                }

                return count;
            }
        }
    }

    /// <summary>The version the database's schema is at (0: none).</summary>
    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var value = await connection.ExecuteScalarAsync<object>(new CommandDefinition(Dialect.Schema.SelectVersion, cancellationToken: cancellationToken)).ConfigureAwait(false);
                return value is null or DBNull ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
            }
            catch (DbException)
            {
                return 0; // no migrations table
            }
        }
    }

    private async Task CheckSchemaAsync()
    {
        var version = await GetSchemaVersionAsync(CancellationToken.None).ConfigureAwait(false);
        if (version < LatestVersion)
        {
            throw new InvalidOperationException(
                $"TaskFlow state store: schema '{Dialect.SchemaName}' is at version {version}, this TaskFlow needs {LatestVersion}. " +
                "Apply it with TaskStateStore.ApplySchemaAsync (or the script from GetSchemaScript), or set ApplySchemaAutomatically.");
        }
    }

    // --- task states --------------------------------------------------------------------------------------

    /// <summary>The hot-path read: the state of one task, or <c>null</c>.</summary>
    public async ValueTask<TaskState?> ReadStateAsync(string taskId, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var value = await connection.ExecuteScalarAsync<object>(new CommandDefinition(Dialect.States.Select, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return value is null or DBNull ? null : (TaskState)Convert.ToInt32(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The states of many tasks in one query (missing ids are absent from the result).</summary>
    public async Task<Dictionary<string, TaskState>> ReadStatesAsync(IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TaskState>(taskIds.Count, StringComparer.Ordinal);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var chunk in taskIds.Chunk(1000))
            {
                var rows = await connection.QueryAsync<IdState>(new CommandDefinition(Dialect.States.SelectAmong, new { Ids = chunk }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    result[row.TaskId] = (TaskState)Convert.ToInt32(row.State, CultureInfo.InvariantCulture);
                }
            }
        }

        return result;
    }

    internal sealed class IdState
    {
        public string TaskId { get; set; } = "";

        public object? State { get; set; }
    }

    public async Task<TaskStateInfo?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(Dialect.States.SelectInfo, new { TaskId = taskId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToInfo();
        }
    }

    /// <summary>
    /// Writes a batch of states in one transaction, in task id order (a stable lock order between writers), with
    /// set-based upserts of up to <see cref="StateBatchUpsert.MaxRows"/> rows: a batch is a round trip or two.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (writes.Count <= Dialect.States.UpsertBatch.MaxRows)
            {
                // One statement is atomic on its own: no BEGIN/COMMIT round trips around it.
                await Dialect.States.UpsertBatch.ExecuteAsync(connection, null, writes, cancellationToken).ConfigureAwait(false);
                return;
            }

            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var chunk = Dialect.States.UpsertBatch.MaxRows;
                for (var start = 0; start < writes.Count; start += chunk)
                {
                    var rows = writes.Count <= chunk ? writes : writes.Skip(start).Take(chunk).ToList();
                    await Dialect.States.UpsertBatch.ExecuteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One upsert in the caller's transaction; returns whether it changed the row (false: it was already final).</summary>
    public async Task<bool> WriteInAsync(DbConnection connection, DbTransaction? transaction, StateWrite write, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteAsync(new CommandDefinition(Dialect.States.Upsert, write, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows > 0;
    }

    public async Task<bool> RevokeAsync(string taskId, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.ExecuteAsync(new CommandDefinition(Dialect.States.Revoke, new { TaskId = taskId, Error = reason, Now = now, ExpiresAt = now + Options.ResultExpiry }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return rows > 0;
        }
    }

    public async Task<IReadOnlyList<string>> RevokeEntityAsync(string entityKey, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ids = await connection.QueryAsync<string>(new CommandDefinition(Dialect.Leases.RevokeUnfinished, new { EntityKey = entityKey, Error = reason, Now = now, ExpiresAt = now + Options.ResultExpiry }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return ids.ToList();
        }
    }

    public async Task<IReadOnlyList<string>> SelectRevokedAmongAsync(IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var result = new List<string>();
            foreach (var chunk in taskIds.Chunk(1000))
            {
                result.AddRange(await connection.QueryAsync<string>(new CommandDefinition(Dialect.States.SelectRevokedAmong, new { Ids = chunk }, cancellationToken: cancellationToken)).ConfigureAwait(false));
            }

            return result;
        }
    }

    /// <summary>Deletes expired records in batches until none are left (or <paramref name="maxBatches"/> ran); returns how many.</summary>
    public async Task<long> CleanupAsync(int maxBatches, CancellationToken cancellationToken)
    {
        var now = Now;
        long total = 0;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            for (var i = 0; i < maxBatches; i++)
            {
                var deleted = await connection.ExecuteAsync(new CommandDefinition(Dialect.States.DeleteExpired, new { Now = now, BatchSize = Options.CleanupBatchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
                total += deleted;
                if (deleted < Options.CleanupBatchSize)
                {
                    break;
                }
            }

            await connection.ExecuteAsync(new CommandDefinition(Dialect.Leases.DeleteExpired, new { Now = now, BatchSize = Options.CleanupBatchSize }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        return total;
    }

    // --- entities -----------------------------------------------------------------------------------------

    internal static string EntityResource(string entityKey)
    {
        // sp_getapplock resources are at most 255 characters: long keys are hashed.
        var resource = "taskflow.entity:" + entityKey;
        return resource.Length <= 200 ? resource : "taskflow.entity#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(entityKey)));
    }

    /// <summary>In the caller's transaction: serialize with other operations on the entity and refuse if a lease holds it.</summary>
    public async Task CheckEntityForEnqueueAsync(DbConnection connection, DbTransaction transaction, string entityKey, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(Dialect.Leases.LockResource, new { Resource = EntityResource(entityKey) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var lease = await connection.QuerySingleOrDefaultAsync<LeaseRow>(new CommandDefinition(Dialect.Leases.Select, new { EntityKey = entityKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (lease is not null && ToTime(lease.ExpiresAt) > Now)
        {
            throw new EntityLockedException(entityKey, $"held by lease {lease.Holder} until {ToTime(lease.ExpiresAt):O}");
        }
    }

    /// <summary>One attempt at an entity lease: null on success, else the conflict.</summary>
    public async Task<EntityLockedException?> TryLeaseAsync(string entityKey, string holder, CancellationToken cancellationToken)
    {
        var now = Now;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await connection.ExecuteAsync(new CommandDefinition(Dialect.Leases.LockResource, new { Resource = EntityResource(entityKey) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var lease = await connection.QuerySingleOrDefaultAsync<LeaseRow>(new CommandDefinition(Dialect.Leases.Select, new { EntityKey = entityKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (lease is not null && lease.Holder != holder && ToTime(lease.ExpiresAt) > now)
                {
                    return new EntityLockedException(entityKey, $"held by lease {lease.Holder} until {ToTime(lease.ExpiresAt):O}");
                }

                var pending = (await connection.QueryAsync<string>(new CommandDefinition(Dialect.Leases.SelectUnfinished, new { EntityKey = entityKey, Now = now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
                if (pending.Count > 0)
                {
                    return new EntityLockedException(entityKey, $"{pending.Count}{(pending.Count == 10 ? "+" : "")} task(s) pending or running ({string.Join(", ", pending.Take(3))})", pending);
                }

                await connection.ExecuteAsync(new CommandDefinition(Dialect.Leases.Replace, new { EntityKey = entityKey, Holder = holder, Now = now, ExpiresAt = now + Options.EntityLeaseDuration }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
        }
    }

    public async Task ReleaseLeaseAsync(string entityKey, string holder, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(Dialect.Leases.Delete, new { EntityKey = entityKey, Holder = holder }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Records a pending task of an entity before it is published: under the entity's lock, refused while a lease holds it.</summary>
    public async Task RecordEntityPendingAsync(StateWrite write, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await CheckEntityForEnqueueAsync(connection, transaction, write.EntityKey!, cancellationToken).ConfigureAwait(false);
                await WriteInAsync(connection, transaction, write, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // --- outbox -------------------------------------------------------------------------------------------

    public async Task<long> InsertOutboxTransactionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var id = await connection.ExecuteScalarAsync<object>(new CommandDefinition(Dialect.Outbox.InsertTransaction, new { Now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return Convert.ToInt64(id, CultureInfo.InvariantCulture);
    }

    public Task InsertOutboxMessageAsync(DbConnection connection, DbTransaction transaction, OutboxMessageRow message, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(Dialect.Outbox.InsertMessage, message, transaction, cancellationToken: cancellationToken));

    public async Task<OutboxStatus> GetOutboxStatusAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var status = await connection.QuerySingleAsync<OutboxStatusRow>(new CommandDefinition(Dialect.Outbox.SelectStatus, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var failures = await connection.QueryAsync<OutboxFailureRow>(new CommandDefinition(Dialect.Outbox.SelectFailures, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new OutboxStatus(
                Convert.ToInt64(status.Pending, CultureInfo.InvariantCulture),
                Convert.ToInt64(status.Failing, CultureInfo.InvariantCulture),
                ToTime(status.Oldest),
                failures.Select(f => new OutboxFailure(
                    Convert.ToInt64(f.Id, CultureInfo.InvariantCulture),
                    ToTime(f.CreatedAt)!.Value,
                    Convert.ToInt32(f.Attempts, CultureInfo.InvariantCulture),
                    ToTime(f.NextAttemptAt)!.Value,
                    f.LastError)).ToList());
        }
    }

    internal sealed class LeaseRow
    {
        public string Holder { get; set; } = "";

        public object? ExpiresAt { get; set; }
    }

    internal sealed class OutboxStatusRow
    {
        public object? Pending { get; set; }

        public object? Failing { get; set; }

        public object? Oldest { get; set; }
    }

    internal sealed class OutboxFailureRow
    {
        public object? Id { get; set; }

        public object? CreatedAt { get; set; }

        public object? Attempts { get; set; }

        public object? NextAttemptAt { get; set; }

        public string? LastError { get; set; }
    }
}
