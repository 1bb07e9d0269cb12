using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>
/// One MERGE whose source is a table value constructor of the ids (numbered parameters <c>@Id_0</c>...), as the batched
/// upsert does; 1,000 ids stay under SQL Server's 2,100-parameter limit. The statement of each count is built once.
/// </summary>
internal sealed class SqlServerStateBatchRevoke : StateBatchRevoke
{
    private readonly string _schema;
    private readonly ConcurrentDictionary<int, string> _statements = new();

    /// <param name="schema">The schema, quoted (<c>[name]</c>).</param>
    public SqlServerStateBatchRevoke(string schema)
        : base(1000)
    {
        _schema = schema;
    }

    public override Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<string> taskIds, string error, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var (sql, parameters) = Build(taskIds, error, now, expiresAt);
        return connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The statement for <paramref name="taskIds"/> and its parameters.</summary>
    public (string Sql, DynamicParameters Parameters) Build(IReadOnlyList<string> taskIds, string error, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var parameters = new DynamicParameters();
        for (var i = 0; i < taskIds.Count; i++)
        {
            parameters.Add("Id_" + i.ToString(CultureInfo.InvariantCulture), taskIds[i], DbType.String, size: 255);
        }

        parameters.Add("Error", error, DbType.String, size: -1);
        parameters.Add("Now", now, DbType.DateTimeOffset);
        parameters.Add("ExpiresAt", expiresAt, DbType.DateTimeOffset);
        return (_statements.GetOrAdd(taskIds.Count, BuildStatement), parameters);
    }

    private string BuildStatement(int count)
    {
        var values = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            values.Append(i == 0 ? "(" : ", (").Append("@Id_").Append(i.ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        var s = _schema;
        return $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (VALUES {values}) AS src (task_id) ON t.task_id = src.task_id
            WHEN MATCHED AND t.state < 10 THEN
                UPDATE SET state = 12, error = @Error, completed_at = @Now, updated_at = @Now, expires_at = @ExpiresAt
            WHEN NOT MATCHED THEN
                INSERT (task_id, state, attempts, error, created_at, completed_at, updated_at, expires_at)
                VALUES (src.task_id, 12, 0, @Error, @Now, @Now, @Now, @ExpiresAt);
            """;
    }
}
