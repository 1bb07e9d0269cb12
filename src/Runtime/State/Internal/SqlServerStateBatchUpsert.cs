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
/// One MERGE whose source is a table value constructor of the rows (numbered parameters), run through Dapper.
/// 18 parameters a row: 100 rows stay well under SQL Server's 2,100-parameter limit. The statement of each row
/// count is built once.
/// </summary>
internal sealed class SqlServerStateBatchUpsert : StateBatchUpsert
{
    private readonly string _schema;
    private readonly ConcurrentDictionary<int, string> _statements = new();

    /// <param name="schema">The schema, quoted (<c>[name]</c>).</param>
    public SqlServerStateBatchUpsert(string schema)
        : base(100)
    {
        _schema = schema;
    }

    public override async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<StateWrite> rows, CancellationToken cancellationToken)
    {
        var (sql, parameters) = Build(rows);
        await connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The statement for <paramref name="rows"/> and its parameters.</summary>
    public (string Sql, DynamicParameters Parameters) Build(IReadOnlyList<StateWrite> rows)
    {
        var parameters = new DynamicParameters();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var n = i.ToString(CultureInfo.InvariantCulture);
            parameters.Add("TaskId_" + n, row.TaskId, DbType.String);
            parameters.Add("TaskName_" + n, row.TaskName, DbType.String);
            parameters.Add("Queue_" + n, row.Queue, DbType.String);
            parameters.Add("State_" + n, row.State, DbType.Int32);
            parameters.Add("EntityKey_" + n, row.EntityKey, DbType.String);
            parameters.Add("Attempts_" + n, row.Attempts, DbType.Int32);
            parameters.Add("Worker_" + n, row.Worker, DbType.String);
            parameters.Add("Result_" + n, row.Result, DbType.String, size: -1);
            parameters.Add("Error_" + n, row.Error, DbType.String, size: -1);
            parameters.Add("Now_" + n, row.Now, DbType.DateTimeOffset);
            parameters.Add("StartedAt_" + n, row.StartedAt, DbType.DateTimeOffset);
            parameters.Add("CompletedAt_" + n, row.CompletedAt, DbType.DateTimeOffset);
            parameters.Add("ExpiresAt_" + n, row.ExpiresAt, DbType.DateTimeOffset);
            parameters.Add("ParentId_" + n, row.ParentId, DbType.String);
            parameters.Add("RootId_" + n, row.RootId, DbType.String);
            parameters.Add("Arguments_" + n, row.Arguments, DbType.String, size: ArgumentsText.MaxLength);
            parameters.Add("TraceId_" + n, row.TraceId, DbType.String, size: HeadersText.TraceIdLength);
            parameters.Add("Headers_" + n, row.Headers, DbType.String, size: HeadersText.MaxLength);
        }

        return (_statements.GetOrAdd(rows.Count, BuildStatement), parameters);
    }

    private string BuildStatement(int count)
    {
        var values = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            values.Append(i == 0 ? "    (" : ",\n    (")
                .Append(CultureInfo.InvariantCulture, $"@TaskId_{n}, @TaskName_{n}, @Queue_{n}, @State_{n}, @EntityKey_{n}, @Attempts_{n}, @Worker_{n}, @Result_{n}, @Error_{n}, @Now_{n}, @StartedAt_{n}, @CompletedAt_{n}, @ExpiresAt_{n}, @ParentId_{n}, @RootId_{n}, @Arguments_{n}, @TraceId_{n}, @Headers_{n})");
        }

        var s = _schema;
        return $"""
            MERGE {s}.[task_state] WITH (HOLDLOCK) AS t
            USING (VALUES
            {values}
            ) AS src (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, now_at, started_at, completed_at, expires_at, parent_id, root_id, arguments, trace_id, headers)
            ON t.task_id = src.task_id
            WHEN MATCHED AND ((t.state < 10 AND (src.state <> 0 OR t.state = 0))
                           OR (t.state = 12 AND src.state IN (10, 11) AND t.started_at IS NOT NULL)) THEN
                UPDATE SET
                    state = src.state,
                    task_name = COALESCE(src.task_name, t.task_name),
                    queue = COALESCE(src.queue, t.queue),
                    entity_key = COALESCE(t.entity_key, src.entity_key),
                    attempts = CASE WHEN src.attempts > t.attempts THEN src.attempts ELSE t.attempts END,
                    worker = COALESCE(src.worker, t.worker),
                    result = src.result,
                    error = CASE WHEN src.state = 10 THEN NULL ELSE COALESCE(src.error, t.error) END,
                    started_at = COALESCE(src.started_at, t.started_at),
                    completed_at = src.completed_at,
                    updated_at = src.now_at,
                    expires_at = src.expires_at,
                    parent_id = COALESCE(t.parent_id, src.parent_id),
                    root_id = COALESCE(t.root_id, src.root_id),
                    arguments = COALESCE(t.arguments, src.arguments),
                    trace_id = COALESCE(t.trace_id, src.trace_id),
                    headers = COALESCE(t.headers, src.headers)
            WHEN NOT MATCHED THEN
                INSERT (task_id, task_name, queue, state, entity_key, attempts, worker, result, error, created_at, started_at, completed_at, updated_at, expires_at, parent_id, root_id, arguments, trace_id, headers)
                VALUES (src.task_id, src.task_name, src.queue, src.state, src.entity_key, src.attempts, src.worker, src.result, src.error, src.now_at, src.started_at, src.completed_at, src.now_at, src.expires_at, src.parent_id, src.root_id, src.arguments, src.trace_id, src.headers);
            """;
    }
}
