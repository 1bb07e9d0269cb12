using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Shouldly;
using TaskFlow.State.Internal;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// Every SQL Server statement the store runs is parsed by Microsoft's own T-SQL parser (ScriptDom), as SQL Server
/// would receive it: after Dapper's list expansion (<c>IN @Ids</c> becomes one parameter per item). So a syntax error
/// cannot ship even where no SQL Server runs, and no statement passes SQL Server's 2,100-parameter limit.
/// </summary>
public sealed class SqlServerStatementTests
{
    private const int SqlServerParameterLimit = 2100;
    private static readonly Regex InList = new(@"\bIN\s+@(\w+)", RegexOptions.IgnoreCase | RegexOptions.Compiled);

    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in AllStatements())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void The_statement_parses_as_sql_server_receives_it(string name)
    {
        var sql = AllStatements().Single(s => s.Name == name).Sql;
        foreach (var items in new[] { 1, 3, 1000 })
        {
            var sent = AsSent(sql, items);
            ParseErrors(sent.Text).ShouldBeEmpty($"{name} with {items} list item(s):{Environment.NewLine}{sent.Text}");
            sent.Parameters.Count.ShouldBeLessThanOrEqualTo(SqlServerParameterLimit, name);
        }
    }

    [Fact]
    public void The_whole_schema_script_parses()
    {
        var script = SqlServerDialect.Create("taskflow").Script();
        ParseErrors(script).ShouldBeEmpty(script);
        script.ShouldContain("CREATE TABLE [taskflow].[task_state]");
    }

    [Fact]
    public void The_built_statements_parse_as_sql_server_receives_them()
    {
        var dialect = SqlServerDialect.Create("taskflow");
        var (list, listParameters) = DialectTests.FullQuery(dialect);
        var unfiltered = new TaskQueries(null!, dialect.Queries, new TaskStateOptions(), TimeProvider.System).Build(new TaskQuery(), DateTimeOffset.UtcNow);
        var revoke = (SqlServerStateBatchRevoke)dialect.States.RevokeBatch;
        var (revokeSql, revokeParameters) = revoke.Build(Enumerable.Range(0, revoke.MaxIds).Select(i => "t" + i).ToList(), "revoked", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        foreach (var (name, sql, parameters) in new[] { ("task list, every filter", list, listParameters), ("task list, no filter", unfiltered.Sql, unfiltered.Parameters), ("batched revoke", revokeSql, revokeParameters) })
        {
            using var connection = new RecordingConnection();
            connection.Execute(sql, parameters);
            var sent = connection.Commands.Single();
            ParseErrors(sent.Text).ShouldBeEmpty($"{name}:{Environment.NewLine}{sent.Text}");
            sent.Parameters.Count.ShouldBeLessThanOrEqualTo(SqlServerParameterLimit, name);
        }
    }

    [Fact]
    public void The_batch_upsert_of_the_largest_batch_parses_and_stays_under_the_parameter_limit()
    {
        var upsert = new SqlServerStateBatchUpsert("[taskflow]");
        var now = DateTimeOffset.UtcNow;
        var rows = Enumerable.Range(0, upsert.MaxRows).Select(i => new StateWrite { TaskId = "t" + i, State = 10, Now = now, ExpiresAt = now.AddDays(1) }).ToList();
        var (sql, parameters) = upsert.Build(rows);
        ParseErrors(sql).ShouldBeEmpty();
        parameters.ParameterNames.Count().ShouldBeLessThanOrEqualTo(SqlServerParameterLimit);
    }

    [Fact]
    public async Task An_outbox_batch_is_inserted_in_multi_row_statements_that_parse_and_stay_under_the_parameter_limit()
    {
        var dialect = SqlServerDialect.Create("taskflow");
        var outbox = new OutboxRecords(null!, dialect.Outbox, TimeProvider.System);
        var per = dialect.Outbox.MessagesPerInsert;
        var rows = Enumerable.Range(0, per + 1).Select(i => new OutboxMessageRow
        {
            TransactionId = 7, Seq = i, TaskId = "t" + i, TaskName = "n", Queue = "q", Headers = "{}", Body = [1, 2],
            Eta = i % 2 == 0 ? DateTimeOffset.UtcNow : null, Priority = i % 3 == 0 ? (short)4 : null,
        }).ToList();
        using var connection = new RecordingConnection();
        await connection.OpenAsync();
        using var transaction = await connection.BeginTransactionAsync();

        await outbox.InsertMessagesAsync(connection, transaction, rows.Take(per).ToList(), CancellationToken.None);
        connection.Commands.Count.ShouldBe(1, "a batch of MessagesPerInsert messages is one statement");
        await outbox.InsertMessagesAsync(connection, transaction, rows, CancellationToken.None);
        connection.Commands.Count.ShouldBe(3, "one more message: a second statement");

        connection.Commands.ShouldAllBe(c => c.Parameters.Count <= SqlServerParameterLimit);
        connection.Commands[0].Parameters.Count.ShouldBe((7 * per) + 1);
        ParseErrors(connection.Commands[0].Text).ShouldBeEmpty(connection.Commands[0].Text[..400]);
        connection.Commands[2].Text.ShouldContain($"(@TransactionId, {per}, @TaskId_0,");
    }

    [Fact]
    public async Task A_relay_batch_of_the_largest_size_is_read_and_deleted_in_statements_under_the_parameter_limit()
    {
        // OutboxBatchSize goes up to 10,000 claimed transactions; one IN list of them would be 10,000 parameters.
        var dialect = SqlServerDialect.Create("taskflow");
        var outbox = new OutboxRecords(null!, dialect.Outbox, TimeProvider.System);
        var ids = Enumerable.Range(1, 10_000).Select(i => (long)i).Reverse().ToArray();
        using var connection = new RecordingConnection();
        await connection.OpenAsync();
        using var transaction = await connection.BeginTransactionAsync();

        await outbox.ReadMessagesAsync(connection, transaction, ids, CancellationToken.None);
        await outbox.DeleteAsync(connection, transaction, ids, CancellationToken.None);

        connection.Commands.Count.ShouldBe(2 * (10_000 / OutboxRecords.IdsPerStatement));
        connection.Commands.ShouldAllBe(c => c.Parameters.Count <= SqlServerParameterLimit);
        connection.Commands.Sum(c => c.Parameters.Count).ShouldBe(20_000, "every id read once and deleted once, one parameter each");
        connection.Commands[0].Text.ShouldContain("(@Ids1,", Case.Sensitive, "Dapper expanded the list");
        foreach (var command in connection.Commands.DistinctBy(c => c.Text.Length))
        {
            ParseErrors(command.Text).ShouldBeEmpty(command.Text[..Math.Min(400, command.Text.Length)]);
        }
    }

    /// <summary>Every SQL string of the dialect, named by where it sits (e.g. <c>Outbox.Claim</c>, <c>Schema.Migrations[2][0]</c>).</summary>
    private static IEnumerable<(string Name, string Sql)> AllStatements()
    {
        var dialect = SqlServerDialect.Create("taskflow");
        foreach (var group in typeof(SqlDialect).GetProperties().Where(p => p.PropertyType.Name.EndsWith("Statements", StringComparison.Ordinal)))
        {
            var statements = group.GetValue(dialect)!;
            foreach (var property in statements.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var value = property.GetValue(statements);
                var name = $"{group.Name}.{property.Name}";
                if (group.Name == nameof(SqlDialect.Queries) && property.Name != "CountSince")
                {
                    // Fragments of the task list, which TaskQueries assembles: parsed whole in The_built_statements_parse...
                    continue;
                }

                if (group.Name == nameof(SqlDialect.Outbox) && property.Name == nameof(OutboxStatements.InsertMessagesHead))
                {
                    // The head of the multi-row insert OutboxRecords builds: parsed whole in An_outbox_batch_is_inserted...
                    continue;
                }

                switch (value)
                {
                    case string sql:
                        yield return (name, sql);
                        break;
                    case IEnumerable<string> list:
                        foreach (var (sql, i) in list.Select((s, i) => (s, i)))
                        {
                            yield return ($"{name}[{i}]", sql);
                        }

                        break;
                    case IEnumerable<Migration> migrations:
                        foreach (var migration in migrations)
                        {
                            foreach (var (sql, i) in migration.Statements.Select((s, i) => (s, i)))
                            {
                                yield return ($"{name}[{migration.Version}][{i}]", sql);
                            }
                        }

                        break;
                }
            }
        }
    }

    /// <summary>The statement as Dapper sends it, with <paramref name="items"/> items in each list parameter.</summary>
    private static RecordedCommand AsSent(string sql, int items)
    {
        var parameters = new DynamicParameters();
        foreach (Match match in InList.Matches(sql))
        {
            parameters.Add(match.Groups[1].Value, Enumerable.Range(0, items).Select(i => "id" + i).ToArray());
        }

        using var connection = new RecordingConnection();
        connection.Execute(sql, parameters);
        return connection.Commands.Single();
    }

    private static IList<ParseError> ParseErrors(string sql)
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
        return errors;
    }
}
