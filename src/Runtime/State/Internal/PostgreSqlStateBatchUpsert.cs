using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// Arrays unnested into rows: one statement for the whole batch. The upsert's text is the same for any number of rows (the rows travel as 18 arrays), so it is prepared once per
/// physical connection: Npgsql keeps prepared statements across pooled opens, and PostgreSQL then skips parse,
/// analysis and planning on every batch (a third of its CPU per task in the benchmark, docs/state.md).
/// Only where the shape is fixed whatever the row count and the generic plan cannot depend on the table's size:
/// an insert with the primary key as conflict arbiter, no scan of the table.
/// <para>
/// The arrays are bound by position (<c>$1</c> to <c>$18</c>, in <see cref="Bind"/>'s order), not by name: Npgsql then
/// sends the statement as it is, where named parameters make it parse the whole text on every batch to rewrite them
/// (<c>SqlQueryParser.ParseRawQuery</c>, 2.4% of the store worker's CPU samples and 2.7% of its bytes in
/// docs/benchmarks.md's thirteenth pass).
/// </para>
/// </summary>
internal sealed class PostgreSqlStateBatchUpsert : StateBatchUpsert
{
    private readonly string _sql;

    /// <param name="sql">The upsert from <c>unnest</c> of the 18 array parameters <c>$1</c> to <c>$18</c>.</param>
    public PostgreSqlStateBatchUpsert(string sql)
        : base(1000)
    {
        _sql = sql;
    }

    /// <summary>The statement's text (the benchmark's hand-written store runs the same one).</summary>
    public string Sql => _sql;

    public override async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<StateWrite> rows, CancellationToken cancellationToken)
    {
        // ADO.NET rather than Dapper here: Dapper has no way to prepare a command. The first batch on a physical
        // connection prepares it; later ones find it prepared (Npgsql keeps prepared statements across pooled opens).
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            Bind(command, rows);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sets the command text and the array parameters, by position: <c>$1</c> is the task ids, <c>$18</c> the headers (Dapper cannot prepare).</summary>
    public void Bind(DbCommand command, IReadOnlyList<StateWrite> rows)
    {
        var columns = new UpsertColumns(rows);
        command.CommandText = _sql;
        Add(command, columns.TaskIds); // $1
        Add(command, columns.TaskNames); // $2
        Add(command, columns.Queues); // $3
        Add(command, columns.States); // $4
        Add(command, columns.EntityKeys); // $5
        Add(command, columns.Attempts); // $6
        Add(command, columns.Workers); // $7
        Add(command, columns.Results); // $8
        Add(command, columns.Errors); // $9
        Add(command, columns.Nows); // $10
        Add(command, columns.StartedAts); // $11
        Add(command, columns.CompletedAts); // $12
        Add(command, columns.ExpiresAts); // $13
        Add(command, columns.ParentIds); // $14
        Add(command, columns.RootIds); // $15
        Add(command, columns.Arguments); // $16
        Add(command, columns.TraceIds); // $17
        Add(command, columns.Headers); // $18

        static void Add(DbCommand command, Array value)
        {
            var parameter = command.CreateParameter();
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>The rows of a batch as one array per column.</summary>
    private sealed class UpsertColumns
    {
        public UpsertColumns(IReadOnlyList<StateWrite> rows)
        {
            var n = rows.Count;
            TaskIds = new string[n];
            TaskNames = new string?[n];
            Queues = new string?[n];
            States = new int[n];
            EntityKeys = new string?[n];
            Attempts = new int[n];
            Workers = new string?[n];
            Results = new string?[n];
            Errors = new string?[n];
            Nows = new DateTimeOffset[n];
            StartedAts = new DateTimeOffset?[n];
            CompletedAts = new DateTimeOffset?[n];
            ExpiresAts = new DateTimeOffset[n];
            ParentIds = new string?[n];
            RootIds = new string?[n];
            Arguments = new string?[n];
            TraceIds = new string?[n];
            Headers = new string?[n];
            for (var i = 0; i < n; i++)
            {
                var row = rows[i];
                TaskIds[i] = row.TaskId;
                TaskNames[i] = row.TaskName;
                Queues[i] = row.Queue;
                States[i] = row.State;
                EntityKeys[i] = row.EntityKey;
                Attempts[i] = row.Attempts;
                Workers[i] = row.Worker;
                Results[i] = row.Result;
                Errors[i] = row.Error;
                Nows[i] = row.Now;
                StartedAts[i] = row.StartedAt;
                CompletedAts[i] = row.CompletedAt;
                ExpiresAts[i] = row.ExpiresAt;
                ParentIds[i] = row.ParentId;
                RootIds[i] = row.RootId;
                Arguments[i] = row.Arguments;
                TraceIds[i] = row.TraceId;
                Headers[i] = row.Headers;
            }
        }

        public string[] TaskIds { get; }

        public string?[] TaskNames { get; }

        public string?[] Queues { get; }

        public int[] States { get; }

        public string?[] EntityKeys { get; }

        public int[] Attempts { get; }

        public string?[] Workers { get; }

        public string?[] Results { get; }

        public string?[] Errors { get; }

        public DateTimeOffset[] Nows { get; }

        public DateTimeOffset?[] StartedAts { get; }

        public DateTimeOffset?[] CompletedAts { get; }

        public DateTimeOffset[] ExpiresAts { get; }

        public string?[] ParentIds { get; }

        public string?[] RootIds { get; }

        public string?[] Arguments { get; }

        public string?[] TraceIds { get; }

        public string?[] Headers { get; }
    }
}
