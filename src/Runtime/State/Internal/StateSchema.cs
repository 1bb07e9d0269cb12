using System;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>
/// The state store's schema: made ready once per process before any other statement runs (applied, or only
/// checked when <see cref="TaskStateOptions.ApplySchemaAutomatically"/> is off), created or migrated in one
/// transaction under a database-wide lock, and its version read back.
/// </summary>
internal sealed class StateSchema
{
    private readonly Func<DbConnection> _factory;
    private readonly SqlDialect _dialect;
    private readonly TaskStateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _sync = new();
    private Task? _ready;

    public StateSchema(Func<DbConnection> factory, SqlDialect dialect, TaskStateOptions options, TimeProvider time, ILogger logger)
    {
        _factory = factory;
        _dialect = dialect;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The version this TaskFlow needs.</summary>
    public int LatestVersion => _dialect.Schema.LatestVersion;

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
                _ready = _options.ApplySchemaAutomatically ? ApplyAsync(CancellationToken.None) : CheckAsync();
            }

            return _ready.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Creates or migrates the schema: one transaction under a database-wide lock; returns how many migrations ran.</summary>
    public async Task<int> ApplyAsync(CancellationToken cancellationToken)
    {
        var sql = _dialect.Schema;
        var connection = await StateConnections.OpenUncheckedAsync(_factory, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await connection.ExecuteAsync(new CommandDefinition(sql.LockMigrations, new { Resource = "taskflow.migrations:" + _dialect.SchemaName }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                foreach (var statement in sql.Bootstrap)
                {
                    await connection.ExecuteAsync(new CommandDefinition(statement, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }

                var applied = (await connection.QueryAsync<int>(new CommandDefinition(sql.SelectAppliedVersions, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
                var count = 0;
                foreach (var migration in sql.Migrations)
                {
                    if (applied.Contains(migration.Version))
                    {
                        continue;
                    }

                    foreach (var statement in migration.Statements)
                    {
                        await connection.ExecuteAsync(new CommandDefinition(statement, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    }

                    await connection.ExecuteAsync(new CommandDefinition(sql.InsertVersion, new { migration.Version, migration.Description, Now = _time.GetUtcNow() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    count++;
                }

                if (_dialect.ArgumentsSearchIndex)
                {
                    await ArgumentsSearchIndex.TryCreateAsync(connection, transaction, _dialect.SchemaName, _logger, cancellationToken).ConfigureAwait(false);
                }
                else if (_dialect.ArgumentsSearchIndexPossible)
                {
                    await ArgumentsSearchIndex.ReportKeptAsync(connection, transaction, _dialect.SchemaName, _logger, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (count > 0)
                {
                    StateLog.SchemaApplied(_logger, _dialect.SchemaName, _dialect.Name, count, LatestVersion);
                }

                return count;
            }
        }
    }

    /// <summary>
    /// The version the database's schema is at (0: none): the newest migration up to which every one of this TaskFlow's
    /// migrations is applied. Versions are numbered by feature (the audit log is 7 while 5 and 6 are the scheduler's), so a
    /// database may hold a newer one with an older one missing; it is then at the version before the gap, and
    /// <see cref="ApplyAsync"/> fills the gap.
    /// </summary>
    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await StateConnections.OpenUncheckedAsync(_factory, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var applied = (await connection.QueryAsync<int>(new CommandDefinition(_dialect.Schema.SelectAppliedVersions, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
                var version = 0;
                foreach (var migration in _dialect.Schema.Migrations.OrderBy(m => m.Version))
                {
                    if (!applied.Contains(migration.Version))
                    {
                        break;
                    }

                    version = migration.Version;
                }

                return version;
            }
            catch (DbException)
            {
                return 0; // no migrations table
            }
        }
    }

    private async Task CheckAsync()
    {
        var version = await GetVersionAsync(CancellationToken.None).ConfigureAwait(false);
        if (version < LatestVersion)
        {
            throw new InvalidOperationException(
                $"TaskFlow state store: schema '{_dialect.SchemaName}' is at version {version}, this TaskFlow needs {LatestVersion}. " +
                "Apply it with TaskStateStore.ApplySchemaAsync (or the script from GetSchemaScript), or set ApplySchemaAutomatically.");
        }
    }
}
