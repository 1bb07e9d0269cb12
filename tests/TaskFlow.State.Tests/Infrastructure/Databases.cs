using System;
using System.Data.Common;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Dapper;
using Npgsql;
using TaskFlow.State;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>A database the suite runs against.</summary>
public sealed record TestDatabase(string Name, StateStoreProvider Provider, Func<DbConnection> Factory)
{
    public override string ToString() => Name;

    public void Use(TaskStateOptions options)
    {
        if (Provider == StateStoreProvider.PostgreSql)
        {
            options.UsePostgreSql(Factory);
        }
        else
        {
            options.UseSqlServer(Factory);
        }
    }

    public async Task<DbConnection> OpenAsync()
    {
        var connection = Factory();
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The effects table of the atomic-work tests, in the test's schema.</summary>
    public async Task CreateEffectsTableAsync(string schema)
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync(Provider == StateStoreProvider.PostgreSql
            ? $"CREATE TABLE {schema}.effects (id serial PRIMARY KEY, effect_id text NOT NULL, task_id text NOT NULL)"
            : $"CREATE TABLE [{schema}].[effects] (id int IDENTITY PRIMARY KEY, effect_id nvarchar(200) NOT NULL, task_id nvarchar(200) NOT NULL)");
    }

    public async Task DropSchemaAsync(string schema)
    {
        await using var connection = await OpenAsync();
        if (Provider == StateStoreProvider.PostgreSql)
        {
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            return;
        }

        // SQL Server has no DROP SCHEMA ... CASCADE: views, then tables (children first), then the schema.
        await connection.ExecuteAsync($"""
            DECLARE @sql nvarchar(max) = N'';
            SELECT @sql += N'DROP VIEW [{schema}].' + QUOTENAME(name) + N';' FROM sys.views WHERE schema_id = SCHEMA_ID(N'{schema}');
            SELECT @sql += N'DROP TABLE [{schema}].' + QUOTENAME(name) + N';' FROM sys.tables WHERE schema_id = SCHEMA_ID(N'{schema}') AND name IN (N'outbox_message', N'task_attempt');
            SELECT @sql += N'DROP TABLE [{schema}].' + QUOTENAME(name) + N';' FROM sys.tables WHERE schema_id = SCHEMA_ID(N'{schema}') AND name NOT IN (N'outbox_message', N'task_attempt');
            EXEC sp_executesql @sql;
            IF SCHEMA_ID(N'{schema}') IS NOT NULL EXEC(N'DROP SCHEMA [{schema}]');
            """);
    }
}

/// <summary>
/// The databases of the suite: PostgreSQL always (a test fails with a clear message when it is unreachable),
/// SQL Server when configured by environment.
/// </summary>
public static class Databases
{
    public const string SqlServerSkipReason =
        "skipped: no SQL Server (set TASKFLOW_TEST_SQLSERVER to a connection string to run the whole suite against it too; see docs/state.md)";

    private static readonly Lazy<NpgsqlDataSource> PostgresSource = new(() => NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString));
    private static readonly Lazy<TestDatabase?> SqlServer = new(CreateSqlServer);

    public static bool SqlServerConfigured =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TASKFLOW_TEST_SQLSERVER"));

    /// <summary>Theory data: every configured database.</summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { "postgresql" };
            if (SqlServerConfigured)
            {
                data.Add("sqlserver");
            }

            return data;
        }
    }

    public static TestDatabase Get(string name) => name switch
    {
        "postgresql" => Postgres(),
        "sqlserver" => SqlServer.Value ?? throw new InvalidOperationException(SqlServerSkipReason),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static TestDatabase Postgres()
    {
        var database = new TestDatabase("postgresql", StateStoreProvider.PostgreSql, () => PostgresSource.Value.CreateConnection());
        try
        {
            using var connection = PostgresSource.Value.OpenConnection();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable with '{Redacted(TestEnvironment.PostgresConnectionString)}': {ex.Message}. Start it with `bash scripts/postgres.sh` " +
                "(installs Debian's postgresql, starts a cluster on 127.0.0.1, creates the taskflow role and database), or set TASKFLOW_TEST_POSTGRES.", ex);
        }

        return database;
    }

    private static TestDatabase? CreateSqlServer()
    {
        if (!SqlServerConfigured)
        {
            return null;
        }

        var cs = Environment.GetEnvironmentVariable("TASKFLOW_TEST_SQLSERVER")!;
        return new TestDatabase("sqlserver", StateStoreProvider.SqlServer, () => new Microsoft.Data.SqlClient.SqlConnection(cs));
    }

    public static string NewSchema() => "tf_" + Guid.NewGuid().ToString("N")[..12];

    private static string Redacted(string cs) =>
        string.Join(';', cs.Split(';').Select(p => p.StartsWith("Password", StringComparison.OrdinalIgnoreCase) ? "Password=***" : p));
}
