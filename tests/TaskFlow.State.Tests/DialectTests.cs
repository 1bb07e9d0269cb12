using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Shouldly;
using TaskFlow.State.Internal;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// Checks on the SQL text that run without a database, so that the SQL Server dialect gets some checking on
/// machines without SQL Server: every statement is in the configured schema, batches stay under SQL Server's
/// parameter limit and bind every parameter they mention.
/// </summary>
public sealed class DialectTests
{
    private static readonly SqlDialect[] Dialects = [PostgreSqlDialect.Create("tf_x"), SqlServerDialect.Create("tf_x")];

    /// <summary>Every statement of the four groups but the locks (which name a resource, not a table).</summary>
    private static IEnumerable<(string Name, string Sql)> Statements(SqlDialect dialect) =>
        new object[] { dialect.Schema, dialect.States, dialect.Leases, dialect.Outbox }
            .SelectMany(group => group.GetType().GetProperties()
                .Where(p => p.PropertyType == typeof(string) && p.Name is not ("LockMigrations" or "LockResource"))
                .Select(p => (group.GetType().Name + "." + p.Name, (string)p.GetValue(group)!)));

    [Fact]
    public void Every_statement_names_the_configured_schema()
    {
        foreach (var dialect in Dialects)
        {
            foreach (var (name, sql) in Statements(dialect))
            {
                sql.ShouldContain("tf_x", customMessage: $"{dialect.Name} {name}");
            }

            dialect.Script().ShouldNotContain("taskflow.", Case.Sensitive);
        }
    }

    [Fact]
    public void Batched_upserts_bind_every_parameter_and_stay_under_the_parameter_limit()
    {
        var sqlServer = SqlServerDialect.Create("tf_x").States.UpsertBatch.ShouldBeOfType<SqlServerStateBatchUpsert>();
        var rows = Enumerable.Range(0, sqlServer.MaxRows).Select(i => new StateWrite
        {
            TaskId = "t" + i,
            State = 1,
            Now = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow,
        }).ToList();

        var (sql, parameters) = sqlServer.Build(rows);

        var bound = parameters.ParameterNames.ToHashSet(StringComparer.Ordinal);
        bound.Count.ShouldBeLessThan(2100);
        var used = Regex.Matches(sql, @"@(\w+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        used.ShouldBe(bound, ignoreOrder: true);
        sql.TrimEnd().ShouldEndWith(";"); // MERGE must be terminated
        Regex.Count(sql, @"\(@TaskId_\d+,").ShouldBe(rows.Count);
    }

    [Fact]
    public void The_schema_script_runs_the_trigram_index_only_with_the_option_and_otherwise_names_it_in_a_comment()
    {
        var create = ArgumentsSearchIndex.ForOperator("tf_x");
        var off = PostgreSqlDialect.Create("tf_x").Script();
        off.Split('\n').Where(line => line.Contains(ArgumentsSearchIndex.IndexName, StringComparison.Ordinal))
            .ShouldAllBe(line => line.TrimStart().StartsWith("--", StringComparison.Ordinal), "off by default: the script only names it");
        off.ShouldContain("-- " + create);
        off.ShouldContain("IndexArgumentsForSearch");

        var on = PostgreSqlDialect.Create("tf_x", searchIndex: true).Script();
        on.Split('\n').ShouldContain(line => line.TrimEnd() == create, "with the option the script creates it");

        SqlServerDialect.Create("tf_x").Script().ShouldNotContain(ArgumentsSearchIndex.IndexName);
    }

    [Fact]
    public void SqlServer_statements_use_the_locking_hints_the_design_relies_on()
    {
        var dialect = SqlServerDialect.Create("tf_x");
        dialect.Outbox.Claim.ShouldContain("WITH (UPDLOCK, ROWLOCK, READPAST)");
        dialect.States.Upsert.ShouldContain("MERGE [tf_x].[task_state] WITH (HOLDLOCK)");
        dialect.States.Upsert.TrimEnd().ShouldEndWith(";");
        dialect.States.Revoke.TrimEnd().ShouldEndWith(";");
        dialect.Leases.Replace.TrimEnd().ShouldEndWith(";");
        dialect.States.DeleteExpired.ShouldStartWith("DELETE TOP (@BatchSize)");
        dialect.Leases.DeleteExpired.ShouldStartWith("DELETE TOP (@BatchSize)");
        dialect.Schema.LockMigrations.ShouldContain("@LockOwner = 'Transaction'");
        dialect.Leases.LockResource.ShouldContain("@LockOwner = 'Transaction'");
        PostgreSqlDialect.Create("tf_x").Outbox.Claim.ShouldContain("FOR UPDATE SKIP LOCKED");
    }

    /// <summary>A query with every filter set (and a cursor), as <see cref="TaskQueries"/> builds it.</summary>
    internal static (string Sql, Dapper.DynamicParameters Parameters) FullQuery(SqlDialect dialect)
    {
        var options = new TaskStateOptions();
        var queries = new TaskQueries(null!, dialect.Queries, options, TimeProvider.System);
        var cursor = TaskQueries.EncodeCursor(new TaskStateInfo("t:1", "n", "q", TaskState.Failed, null, 1, null, null, null, DateTimeOffset.UtcNow, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        return queries.Build(
            new TaskQuery
            {
                States = [TaskState.Failed, TaskState.Started], TaskName = "n", Queue = "q", EntityKey = "e", Worker = "w", LostWorkersOnly = true,
                Error = "50%_off[x]", ArgumentsContains = @"a\b%c_d[e", CreatedSince = DateTimeOffset.UtcNow, CreatedUntil = DateTimeOffset.UtcNow, UpdatedSince = DateTimeOffset.UtcNow,
                UpdatedUntil = DateTimeOffset.UtcNow, ParentId = "p", RootId = "r", Limit = 50, Cursor = cursor,
            },
            DateTimeOffset.UtcNow);
    }

    [Fact]
    public void Task_queries_bind_every_parameter_they_name_and_escape_like_patterns()
    {
        foreach (var dialect in Dialects)
        {
            var (sql, parameters) = FullQuery(dialect);
            var used = Regex.Matches(sql, @"@(\w+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            used.ShouldBe(parameters.ParameterNames.ToHashSet(StringComparer.Ordinal), ignoreOrder: true, customMessage: dialect.Name);
            sql.ShouldNotContain("{", customMessage: dialect.Name);
            sql.ShouldContain("tf_x");
            parameters.Get<string>("ErrorStart").ShouldBe(@"50\%\_off\[x]%");
            parameters.Get<string>("ArgumentsLike").ShouldBe(@"%a\\b\%c\_d\[e%");
            sql.ShouldContain(@"ESCAPE '\'", customMessage: dialect.Name); // not ESCAPE '': that would take the backslashes literally
            parameters.Get<int>("Limit").ShouldBe(51); // one more than the page: is there a next one?
        }

        TaskQueries.DecodeCursor(TaskQueries.EncodeCursor(new TaskStateInfo("a:b:c", null, null, TaskState.Pending, null, 0, null, null, null, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(7), null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)))
            .ShouldBe((new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(7), "a:b:c"));
        Should.Throw<ArgumentException>(() => TaskQueries.DecodeCursor("MTpub3Q6YQ")); // "1:not:a": not a time
    }

    [Fact]
    public void SqlServer_batch_revoke_binds_every_parameter_and_stays_under_the_parameter_limit()
    {
        var revoke = SqlServerDialect.Create("tf_x").States.RevokeBatch.ShouldBeOfType<SqlServerStateBatchRevoke>();
        var (sql, parameters) = revoke.Build(Enumerable.Range(0, revoke.MaxIds).Select(i => "t" + i).ToList(), "revoked", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        parameters.ParameterNames.Count().ShouldBeLessThan(2100);
        Regex.Matches(sql, @"@(\w+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal).ShouldBe(parameters.ParameterNames.ToHashSet(StringComparer.Ordinal), ignoreOrder: true);
        sql.TrimEnd().ShouldEndWith(";");
    }

    [Fact]
    public void Long_entity_keys_are_hashed_to_fit_an_application_lock_resource()
    {
        EntityLeases.LockResource("note:1").ShouldBe("taskflow.entity:note:1");
        var resource = EntityLeases.LockResource(new string('x', 255));
        resource.Length.ShouldBeLessThanOrEqualTo(255);
        resource.ShouldNotBe(EntityLeases.LockResource(new string('x', 254) + "y"));
    }
}
