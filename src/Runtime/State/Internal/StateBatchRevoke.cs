using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// How a dialect runs <see cref="TaskStateStatements.RevokeBatch"/>: revokes up to <see cref="MaxIds"/> tasks by id in one
/// statement (every one not final yet, inserting a revoked record for ids the store does not know, as the single
/// <see cref="TaskStateStatements.Revoke"/> does). PostgreSQL binds the ids as one array
/// (<see cref="PostgreSqlStateBatchRevoke"/>), SQL Server numbers them into a MERGE built for the count
/// (<see cref="SqlServerStateBatchRevoke"/>).
/// </summary>
internal abstract class StateBatchRevoke
{
    protected StateBatchRevoke(int maxIds)
    {
        MaxIds = maxIds;
    }

    /// <summary>Most ids one statement takes.</summary>
    public int MaxIds { get; }

    /// <summary>Revokes <paramref name="taskIds"/> (distinct, sorted, at most <see cref="MaxIds"/>); returns how many rows it revoked or inserted.</summary>
    public abstract Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<string> taskIds, string error, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
