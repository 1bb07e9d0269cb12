using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The benchmark's PostgreSQL floor (tests/TaskFlow.Benchmarks/pgfloor, pgbench against a copy of task_state) measures
/// what PostgreSQL spends per task only while its copy is the table the migrations make: the last copy had drifted
/// (two indexes of today's eight, 14 columns of 24), so its 30 us per task was a floor for a table that no longer exists.
/// </summary>
public sealed class PgFloorSchemaTests
{
    private static readonly string SetupPath = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "TaskFlow.Benchmarks", "pgfloor", "setup.sql");

    [Fact]
    public async Task The_pgbench_copy_of_task_state_has_the_columns_and_indexes_of_the_migrated_table()
    {
        var database = Databases.Get("postgresql");
        var real = Databases.NewSchema();
        var copy = Databases.NewSchema();
        var services = new ServiceCollection();
        services.AddLogging(l => l.ClearProviders());
        services.AddTaskFlow().AddStateStore(o =>
        {
            database.Use(o);
            o.Schema = real;
        });
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<TaskStateStore>().ApplySchemaAsync();
        }

        try
        {
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync($"CREATE SCHEMA {copy}");
            await connection.ExecuteAsync(CopyDdl(await File.ReadAllTextAsync(SetupPath), copy));

            var realColumns = await ColumnsAsync(connection, real);
            realColumns.Count.ShouldBeGreaterThan(20); // the query reads the table, not nothing
            (await ColumnsAsync(connection, copy)).ShouldBe(realColumns, "pgfloor/setup.sql's task_state columns (name type null default) differ from the migrated table's: copy the change into setup.sql");
            var realIndexes = await IndexesAsync(connection, real);
            realIndexes.ShouldContain(i => i.StartsWith("task_state_pkey ", StringComparison.Ordinal));
            (await IndexesAsync(connection, copy)).ShouldBe(realIndexes, "pgfloor/setup.sql's task_state indexes differ from the migrated table's: copy the change into setup.sql");
        }
        finally
        {
            await database.DropSchemaAsync(copy);
            await database.DropSchemaAsync(real);
        }
    }

    /// <summary>setup.sql's statements before its "-- rows" line, without its own schema's drop and create, in <paramref name="schema"/>.</summary>
    private static string CopyDdl(string setup, string schema)
    {
        var rows = setup.IndexOf("\n-- rows", StringComparison.Ordinal);
        if (rows < 0)
        {
            throw new InvalidOperationException("pgfloor/setup.sql has no '-- rows' line between its table and its rows");
        }

        var lines = setup[..rows].Split('\n')
            .Where(line => !line.StartsWith("--", StringComparison.Ordinal) && !line.Contains("SCHEMA", StringComparison.Ordinal));
        return string.Concat(lines.Select(line => line.Replace("lb.", schema + ".", StringComparison.Ordinal) + "\n"));
    }

    private static async Task<List<string>> ColumnsAsync(System.Data.Common.DbConnection connection, string schema) =>
        (await connection.QueryAsync<string>(
            """
            SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
                   || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = (@Table)::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """,
            new { Table = schema + ".task_state" })).ToList();

    private static async Task<List<string>> IndexesAsync(System.Data.Common.DbConnection connection, string schema) =>
        (await connection.QueryAsync<string>(
            $"""
            SELECT indexname || ' ' || replace(indexdef, schemaname || '.', '')
            FROM pg_indexes
            WHERE schemaname = @Schema AND tablename = 'task_state' AND indexname <> '{ArgumentsSearchIndex.IndexName}'
            ORDER BY indexname
            """,
            new { Schema = schema })).ToList();
}
