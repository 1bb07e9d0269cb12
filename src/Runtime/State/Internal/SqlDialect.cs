using System;
using System.Globalization;
using System.Text;

namespace TaskFlow.State.Internal;

/// <summary>
/// The SQL of one database: every statement the runtime runs, grouped by concern, with the schema name
/// substituted once; parameters are Dapper's (<c>@Name</c>). Built by <see cref="PostgreSqlDialect.Create"/> and
/// <see cref="SqlServerDialect.Create"/>, whose comments say which index serves which query.
/// </summary>
/// <param name="Name">The database, for logs and the script's header.</param>
/// <param name="SchemaName">The schema every statement names.</param>
/// <param name="Schema">Bootstrap, migrations and the version table.</param>
/// <param name="States">Task states.</param>
/// <param name="Leases">Entity leases, and the unfinished tasks of an entity.</param>
/// <param name="Outbox">The transactional outbox.</param>
/// <param name="TaskLeases">The leases of long-running tasks (lease mode).</param>
/// <param name="Workers">Worker heartbeats.</param>
/// <param name="Queries">The task list's filters and the overview's counts.</param>
/// <param name="Locks">Permits of distributed locks and per-key concurrency limits.</param>
/// <param name="Schedules">Periodic tasks: schedules, the scheduler lease, fire records.</param>
/// <param name="RateLimits">Rate limits: one GCRA arrival time per key.</param>
/// <param name="ScriptSeparator">What ends a statement in <see cref="Script"/>.</param>
/// <param name="ScriptNow">The current time in SQL, for the version rows of <see cref="Script"/>.</param>
internal sealed record SqlDialect(
    string Name,
    string SchemaName,
    SchemaStatements Schema,
    TaskStateStatements States,
    EntityLeaseStatements Leases,
    OutboxStatements Outbox,
    TaskLeaseStatements TaskLeases,
    WorkerStatements Workers,
    TaskQueryStatements Queries,
    LockStatements Locks,
    ScheduleStatements Schedules,
    RateLimitStatements RateLimits,
    string ScriptSeparator,
    string ScriptNow)
{
    /// <summary>Paused queues and record deletion (schema version 8).</summary>
    public required QueuePauseStatements QueuePauses { get; init; }

    /// <summary>The keys of unique tasks (schema version 9).</summary>
    public required UniqueKeyStatements UniqueKeys { get; init; }

    /// <summary>Notifications of final states (PostgreSQL with <see cref="TaskStateOptions.NotifyFinalStates"/>); <c>null</c>: waiters poll.</summary>
    public FinalStateNotifications? Notifications { get; init; }

    /// <summary>Ordered processing per key (schema version 12).</summary>
    public required OrderStatements Order { get; init; }

    /// <summary>The attempts that ended in an error (schema version 13).</summary>
    public required AttemptStatements Attempts { get; init; }

    /// <summary>
    /// Whether the argument search gets a trigram index after the migrations (<see cref="Internal.ArgumentsSearchIndex"/>:
    /// PostgreSQL with <see cref="TaskStateOptions.IndexArgumentsForSearch"/>).
    /// </summary>
    public bool ArgumentsSearchIndex { get; init; }

    /// <summary>Whether the database has the trigram index at all (PostgreSQL), whether or not this store creates it.</summary>
    public bool ArgumentsSearchIndexPossible { get; init; }

    /// <summary>The whole schema as one script, for operators who apply it themselves.</summary>
    public string Script()
    {
        var builder = new StringBuilder();
        builder.Append("-- TaskFlow state store schema (").Append(Name).Append("), schema ").Append(SchemaName).AppendLine(".");
        builder.AppendLine("-- Prefer TaskStateStore.ApplySchemaAsync: it takes a lock, records versions and skips what is applied.");
        foreach (var statement in Schema.Bootstrap)
        {
            builder.AppendLine(statement.Trim()).AppendLine(ScriptSeparator);
        }

        foreach (var migration in Schema.Migrations)
        {
            builder.Append("-- version ").Append(migration.Version).Append(": ").AppendLine(migration.Description);
            foreach (var statement in migration.Statements)
            {
                builder.AppendLine(statement.Trim()).AppendLine(ScriptSeparator);
            }

            builder.AppendLine(Schema.InsertVersion.Replace("@Version", migration.Version.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("@Description", "'" + migration.Description.Replace("'", "''", StringComparison.Ordinal) + "'", StringComparison.Ordinal)
                .Replace("@Now", ScriptNow, StringComparison.Ordinal)).AppendLine(ScriptSeparator);
        }

        if (ArgumentsSearchIndex)
        {
            builder.AppendLine("-- optional: the trigram index of the argument search (needs CREATE on the database: the owner on PostgreSQL 13+, else a superuser)");
            builder.AppendLine(Internal.ArgumentsSearchIndex.ForOperator(SchemaName));
        }
        else if (ArgumentsSearchIndexPossible)
        {
            builder.AppendLine("-- optional, off (TaskStateOptions.IndexArgumentsForSearch): the trigram index of the argument search. Every state");
            builder.AppendLine("-- row written adds its arguments' trigrams to it (PostgreSQL CPU per task); to have it, run:");
            builder.Append("-- ").AppendLine(Internal.ArgumentsSearchIndex.ForOperator(SchemaName));
        }

        return builder.ToString();
    }
}
