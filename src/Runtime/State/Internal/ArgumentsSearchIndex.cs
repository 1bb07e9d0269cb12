using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>
/// The trigram index of the argument search (<see cref="TaskQuery.ArgumentsContains"/>, <c>ILIKE '%text%'</c>) on
/// PostgreSQL: <c>CREATE EXTENSION pg_trgm</c> and a GIN index <c>USING gin (arguments gin_trgm_ops)</c>. Not a migration:
/// creating the extension needs a privilege a store's role may lack (pg_trgm is a trusted extension since PostgreSQL 13,
/// so the database owner, or a role with CREATE on the database, may create it; before 13 only a superuser). Run after
/// the migrations in their transaction, behind a savepoint: when it fails, the savepoint is rolled back, a Warning names
/// the SQL to run, and the store works on (the search reads rows without the index). Run on every apply, so an index
/// created later by an operator, or an extension installed later, is picked up by the next start; a no-op once it exists.
/// <para>
/// Only with <see cref="TaskStateOptions.IndexArgumentsForSearch"/> (off by default: every state row written pays for the
/// index in PostgreSQL CPU). Off, an index that exists is kept and reported (<see cref="ReportKeptAsync"/>), never dropped:
/// an operator may have created it on purpose.
/// </para>
/// </summary>
internal static class ArgumentsSearchIndex
{
    /// <summary>The index's name.</summary>
    public const string IndexName = "ix_task_state_arguments_trgm";

    private const string Savepoint = "taskflow_search_index";

    /// <summary>The extension's schema when it is installed, else nothing.</summary>
    private const string SelectExtensionSchema = "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'";

    /// <summary>What an operator runs when the store's role may not: the extension (in <c>public</c>) and the index.</summary>
    public static string ForOperator(string s) =>
        $"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; CREATE INDEX IF NOT EXISTS {IndexName} ON {s}.task_state USING gin (arguments public.gin_trgm_ops);";

    /// <summary>What drops the index (outside a transaction: <c>CONCURRENTLY</c> does not block the store's writes).</summary>
    public static string DropStatement(string s) => $"DROP INDEX CONCURRENTLY IF EXISTS {s}.{IndexName};";

    /// <summary>
    /// With the index off: when it exists all the same (an earlier TaskFlow created it by default, or an operator did), logs
    /// that it is kept, what it costs and the statement that drops it (event 5082). Reads the catalog only.
    /// </summary>
    public static async Task ReportKeptAsync(DbConnection connection, DbTransaction transaction, string schema, ILogger logger, CancellationToken cancellationToken)
    {
        if (await ExistsAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false))
        {
            StateLog.SearchIndexKept(logger, schema, IndexName, DropStatement(schema));
        }
    }

    /// <summary>Creates the extension (when missing) and the index (when missing), or logs why not; never throws a database error.</summary>
    /// <remarks>
    /// The savepoint is set, released and rolled back to by plain statements, not <see cref="DbTransaction.ReleaseAsync"/>
    /// and its kin: on a connection without TLS, Npgsql 10.0.0's <c>ReleaseAsync</c> read the server's reply synchronously (a
    /// thread dump shows <c>NetworkStream.Read</c> under it), which blocks a thread for the round trip and, where socket
    /// completions run inline (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>), waited on the very thread that would
    /// deliver the reply until the command timeout (docs/operations.md, <c>SocketInlineCompletionsTests</c>).
    /// </remarks>
    public static async Task TryCreateAsync(DbConnection connection, DbTransaction transaction, string schema, ILogger logger, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("SAVEPOINT " + Savepoint, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        try
        {
            var extensionSchema = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(SelectExtensionSchema, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (extensionSchema is null)
            {
                // Database-wide: stores in other schemas may be migrated at the same moment. The second waits, then finds it.
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('taskflow.pg_trgm', 0))", null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                extensionSchema = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(SelectExtensionSchema, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? "public";
            }

            if (!await ExistsAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false))
            {
                var opclass = QuoteIdentifier(extensionSchema) + ".gin_trgm_ops";
                await connection.ExecuteAsync(new CommandDefinition($"CREATE INDEX IF NOT EXISTS {IndexName} ON {schema}.task_state USING gin (arguments {opclass})", null, transaction, commandTimeout: 0, cancellationToken: cancellationToken)).ConfigureAwait(false);
                StateLog.SearchIndexCreated(logger, schema, IndexName, extensionSchema);
            }

            await connection.ExecuteAsync(new CommandDefinition("RELEASE SAVEPOINT " + Savepoint, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            await connection.ExecuteAsync(new CommandDefinition("ROLLBACK TO SAVEPOINT " + Savepoint, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            StateLog.SearchIndexUnavailable(logger, schema, ex.Message, ForOperator(schema));
        }
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction transaction, string schema, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = @Schema AND indexname = @Index",
            new { Schema = schema.Trim('"'), Index = IndexName },
            transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", System.StringComparison.Ordinal) + "\"";
}
