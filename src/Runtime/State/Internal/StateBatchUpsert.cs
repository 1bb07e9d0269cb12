using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// How a dialect runs <see cref="TaskStateStatements.UpsertBatch"/>: one set-based upsert of up to
/// <see cref="MaxRows"/> state writes. The dialects differ in more than the text: PostgreSQL binds the rows as
/// arrays to one prepared statement (<see cref="PostgreSqlStateBatchUpsert"/>), SQL Server numbers each row's
/// parameters into a MERGE built for the row count (<see cref="SqlServerStateBatchUpsert"/>).
/// </summary>
internal abstract class StateBatchUpsert
{
    protected StateBatchUpsert(int maxRows)
    {
        MaxRows = maxRows;
    }

    /// <summary>Most rows one statement takes.</summary>
    public int MaxRows { get; }

    /// <summary>Upserts <paramref name="rows"/> (distinct task ids, at most <see cref="MaxRows"/>) in one statement.</summary>
    public abstract Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<StateWrite> rows, CancellationToken cancellationToken);
}
