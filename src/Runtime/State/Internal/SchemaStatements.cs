using System.Collections.Generic;
using System.Linq;

namespace TaskFlow.State.Internal;

/// <summary>The statements that create and migrate the schema (<see cref="StateSchema"/>).</summary>
/// <param name="Bootstrap">Creates the schema and the migrations table if missing. Runs after <paramref name="LockMigrations"/> in the same transaction.</param>
/// <param name="LockMigrations">Takes the database-wide migration lock for the transaction (parameter <c>@Resource</c>).</param>
/// <param name="SelectVersion">The highest applied version (0: none).</param>
/// <param name="SelectAppliedVersions">Every applied version.</param>
/// <param name="InsertVersion">Records an applied migration (<c>@Version</c>, <c>@Description</c>, <c>@Now</c>).</param>
/// <param name="Migrations">Every migration, oldest first.</param>
internal sealed record SchemaStatements(
    IReadOnlyList<string> Bootstrap,
    string LockMigrations,
    string SelectVersion,
    string SelectAppliedVersions,
    string InsertVersion,
    IReadOnlyList<Migration> Migrations)
{
    /// <summary>The version this TaskFlow needs: its newest migration's (migrations are numbered by feature and may be listed in any order).</summary>
    public int LatestVersion => Migrations.Max(m => m.Version);
}
