using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Dapper;
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
    private static readonly SqlDialect[] Dialects = [new PostgreSqlDialect("tf_x"), new SqlServerDialect("tf_x")];

    private static IEnumerable<(string Name, string Sql)> Statements(SqlDialect dialect) =>
        typeof(SqlDialect).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && p.Name is not ("Name" or "Schema" or "LockMigrations" or "LockEntityResource"))
            .Select(p => (p.Name, (string)p.GetValue(dialect)!));

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
        var sqlServer = new SqlServerDialect("tf_x");
        var rows = Enumerable.Range(0, sqlServer.MaxRowsPerUpsert).Select(i => new StateWrite
        {
            TaskId = "t" + i,
            State = 1,
            Now = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow,
        }).ToList();

        var (sql, parameters) = sqlServer.UpsertStates(rows);

        var bound = ((DynamicParameters)parameters).ParameterNames.ToHashSet(StringComparer.Ordinal);
        bound.Count.ShouldBeLessThan(2100);
        var used = Regex.Matches(sql, @"@(\w+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        used.ShouldBe(bound, ignoreOrder: true);
        sql.TrimEnd().ShouldEndWith(";"); // MERGE must be terminated
        Regex.Count(sql, @"\(@TaskId_\d+,").ShouldBe(rows.Count);
    }

    [Fact]
    public void SqlServer_statements_use_the_locking_hints_the_design_relies_on()
    {
        var dialect = new SqlServerDialect("tf_x");
        dialect.ClaimOutbox.ShouldContain("WITH (UPDLOCK, ROWLOCK, READPAST)");
        dialect.UpsertState.ShouldContain("MERGE [tf_x].[task_state] WITH (HOLDLOCK)");
        dialect.UpsertState.TrimEnd().ShouldEndWith(";");
        dialect.Revoke.TrimEnd().ShouldEndWith(";");
        dialect.ReplaceLease.TrimEnd().ShouldEndWith(";");
        dialect.DeleteExpiredStates.ShouldStartWith("DELETE TOP (@BatchSize)");
        dialect.LockMigrations.ShouldContain("@LockOwner = 'Transaction'");
        dialect.LockEntityResource.ShouldContain("@LockOwner = 'Transaction'");
        new PostgreSqlDialect("tf_x").ClaimOutbox.ShouldContain("FOR UPDATE SKIP LOCKED");
    }

    [Fact]
    public void Long_entity_keys_are_hashed_to_fit_an_application_lock_resource()
    {
        StateDatabase.EntityResource("note:1").ShouldBe("taskflow.entity:note:1");
        var resource = StateDatabase.EntityResource(new string('x', 255));
        resource.Length.ShouldBeLessThanOrEqualTo(255);
        resource.ShouldNotBe(StateDatabase.EntityResource(new string('x', 254) + "y"));
    }
}
