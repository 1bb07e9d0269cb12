using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>The ids as one array parameter (<c>@Ids</c>) unnested into the rows of one upsert.</summary>
internal sealed class PostgreSqlStateBatchRevoke : StateBatchRevoke
{
    private readonly string _sql;

    /// <param name="sql">The upsert from <c>unnest(@Ids)</c> (also <c>@Error</c>, <c>@Now</c>, <c>@ExpiresAt</c>).</param>
    public PostgreSqlStateBatchRevoke(string sql)
        : base(1000)
    {
        _sql = sql;
    }

    public string Sql => _sql;

    public override Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<string> taskIds, string error, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(_sql, new { Ids = taskIds.ToArray(), Error = error, Now = now, ExpiresAt = expiresAt }, transaction, cancellationToken: cancellationToken));
}
