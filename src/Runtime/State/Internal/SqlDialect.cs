using System.Collections.Generic;

namespace TaskFlow.State.Internal;

/// <summary>
/// The SQL of one database. Every query the runtime makes is here, with the schema name substituted once;
/// parameters are Dapper's (<c>@Name</c>). The comments in each dialect say which index serves which query.
/// </summary>
internal abstract class SqlDialect
{
    protected SqlDialect(string schema)
    {
        Schema = schema;
    }

    public string Schema { get; }

    public abstract string Name { get; }

    /// <summary>Creates the schema and the migrations table if missing. Runs after <see cref="LockMigrations"/> in the same transaction.</summary>
    public abstract IReadOnlyList<string> Bootstrap { get; }

    /// <summary>Takes the database-wide migration lock for the transaction (parameter <c>@Resource</c>).</summary>
    public abstract string LockMigrations { get; }

    public abstract string SelectSchemaVersion { get; }

    public abstract string SelectAppliedVersions { get; }

    public abstract string InsertVersion { get; }

    public abstract IReadOnlyList<Migration> Migrations { get; }

    // --- task states --------------------------------------------------------------------------------------

    /// <summary>The idempotency check on the hot path: one primary-key point read.</summary>
    public abstract string SelectState { get; }

    public abstract string SelectInfo { get; }

    /// <summary>The states of many tasks by id (parameter <c>@Ids</c>): the batched form of <see cref="SelectState"/>.</summary>
    public abstract string SelectStatesAmong { get; }

    /// <summary>Upsert of one state write; never moves a final state back (rows affected 0 then).</summary>
    public abstract string UpsertState { get; }

    public abstract string Revoke { get; }

    /// <summary>Most rows one <see cref="UpsertStates"/> statement takes.</summary>
    public abstract int MaxRowsPerUpsert { get; }

    /// <summary>
    /// One set-based upsert of many state writes (distinct task ids), same rules as <see cref="UpsertState"/>, run
    /// through Dapper. A dialect that prepares it (<see cref="PreparesUpsertStates"/>) overrides
    /// <see cref="BindUpsertStates"/> instead.
    /// </summary>
    public virtual (string Sql, object Parameters) UpsertStates(IReadOnlyList<StateWrite> rows) =>
        throw new System.NotSupportedException(Name + " prepares the state upsert: see BindUpsertStates");

    /// <summary>
    /// Whether <see cref="UpsertStates"/> runs as a prepared statement (<see cref="BindUpsertStates"/>). Only where its
    /// shape is fixed whatever the row count and its generic plan cannot depend on the table's size: PostgreSQL's
    /// unnest form (an insert with the primary key as conflict arbiter, no scan of the table).
    /// </summary>
    public virtual bool PreparesUpsertStates => false;

    /// <summary>Sets the command text and parameters of <see cref="UpsertStates"/> on an ADO.NET command (Dapper cannot prepare).</summary>
    public virtual void BindUpsertStates(System.Data.Common.DbCommand command, IReadOnlyList<StateWrite> rows) =>
        throw new System.NotSupportedException(Name + " does not prepare the state upsert");

    /// <summary>Revokes every unfinished task of an entity and returns their ids.</summary>
    public abstract string RevokeEntity { get; }

    public abstract string SelectRevokedAmong { get; }

    public abstract string DeleteExpiredStates { get; }

    public abstract string DeleteExpiredLeases { get; }

    // --- entities -----------------------------------------------------------------------------------------

    /// <summary>Serializes enqueues and lock attempts of one entity for the transaction (parameter <c>@Resource</c>).</summary>
    public abstract string LockEntityResource { get; }

    public abstract string SelectLease { get; }

    public abstract string SelectUnfinishedOfEntity { get; }

    public abstract string ReplaceLease { get; }

    public abstract string DeleteLease { get; }

    // --- outbox -------------------------------------------------------------------------------------------

    public abstract string InsertOutboxTransaction { get; }

    public abstract string InsertOutboxMessage { get; }

    /// <summary>Claims due outbox transactions, skipping the ones another relay holds.</summary>
    public abstract string ClaimOutbox { get; }

    public abstract string SelectOutboxMessages { get; }

    public abstract string DeleteOutboxTransactions { get; }

    public abstract string FailOutboxTransaction { get; }

    public abstract string SelectOutboxStatus { get; }

    public abstract string SelectOutboxFailures { get; }

    /// <summary>The whole schema as one script, for operators who apply it themselves.</summary>
    public string Script()
    {
        var builder = new System.Text.StringBuilder();
        builder.Append("-- TaskFlow state store schema (").Append(Name).Append("), schema ").Append(Schema).AppendLine(".");
        builder.AppendLine("-- Prefer TaskStateStore.ApplySchemaAsync: it takes a lock, records versions and skips what is applied.");
        foreach (var statement in Bootstrap)
        {
            builder.AppendLine(statement.Trim()).AppendLine(StatementSeparator);
        }

        foreach (var migration in Migrations)
        {
            builder.Append("-- version ").Append(migration.Version).Append(": ").AppendLine(migration.Description);
            foreach (var statement in migration.Statements)
            {
                builder.AppendLine(statement.Trim()).AppendLine(StatementSeparator);
            }

            builder.AppendLine(InsertVersion.Replace("@Version", migration.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal)
                .Replace("@Description", "'" + migration.Description.Replace("'", "''", System.StringComparison.Ordinal) + "'", System.StringComparison.Ordinal)
                .Replace("@Now", NowExpression, System.StringComparison.Ordinal)).AppendLine(StatementSeparator);
        }

        return builder.ToString();
    }

    protected abstract string StatementSeparator { get; }

    protected abstract string NowExpression { get; }
}
