using System;
using System.Data.Common;
using Microsoft.Data.SqlClient;
using Npgsql;
using TaskFlow.State;

namespace TaskFlow.Cli;

/// <summary>
/// The state store's database as the tool chooses it: <c>--state-provider</c>, else <c>TaskFlow:State:Provider</c> (the
/// <see cref="TaskStateOptions.Provider"/> key the application's <c>AddStateStore(configuration, ...)</c> binds), else
/// PostgreSQL; and the data source for its connection string.
/// </summary>
internal static class StateProviders
{
    /// <summary>The configuration key (environment: <c>TaskFlow__State__Provider</c>).</summary>
    public const string ConfigurationKey = "TaskFlow:State:Provider";

    private const string Choices = "postgresql (or postgres) or sqlserver";

    public static StateStoreProvider Resolve(string? flag, string? configured)
    {
        if (flag is not null)
        {
            return Parse(flag) ?? throw new CliException($"--state-provider: '{flag}' is not a state store provider; use {Choices}.");
        }

        if (string.IsNullOrWhiteSpace(configured))
        {
            return StateStoreProvider.PostgreSql;
        }

        // The application binds this key as the enum StateStoreProvider: its names only (any case), no aliases.
        var name = configured.Trim();
        return name.Equals(nameof(StateStoreProvider.PostgreSql), StringComparison.OrdinalIgnoreCase) ? StateStoreProvider.PostgreSql
            : name.Equals(nameof(StateStoreProvider.SqlServer), StringComparison.OrdinalIgnoreCase) ? StateStoreProvider.SqlServer
            : throw new CliException($"{ConfigurationKey}: '{configured}' is not a state store provider; set it to PostgreSql or SqlServer (environment variable TaskFlow__State__Provider), or pass --state-provider {Choices}.");
    }

    public static string Describe(StateStoreProvider provider) => provider == StateStoreProvider.SqlServer ? "SQL Server" : "PostgreSQL";

    /// <summary>A data source for <paramref name="connectionString"/>; an invalid connection string is a <see cref="CliException"/> saying what one looks like.</summary>
    public static DbDataSource CreateDataSource(StateStoreProvider provider, string connectionString)
    {
        try
        {
            if (provider == StateStoreProvider.SqlServer)
            {
                _ = new SqlConnectionStringBuilder(connectionString); // throws on an unknown keyword or a bad value, before any connection
                return SqlClientFactory.Instance.CreateDataSource(connectionString);
            }

            return NpgsqlDataSource.Create(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            var example = provider == StateStoreProvider.SqlServer
                ? "\"Server=127.0.0.1,1433;User ID=taskflow;Password=...;Database=taskflow;Encrypt=true\""
                : "\"Host=127.0.0.1;Username=taskflow;Password=...;Database=taskflow\"";
            throw new CliException($"the state store's connection string is not a valid {Describe(provider)} connection string ({ex.Message.TrimEnd('.')}); pass --state (or set ConnectionStrings:TaskFlow) like {example}, or choose the database with --state-provider {Choices}.", ex);
        }
    }

    private static StateStoreProvider? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "postgresql" or "postgres" or "npgsql" => StateStoreProvider.PostgreSql,
        "sqlserver" or "mssql" => StateStoreProvider.SqlServer,
        _ => null,
    };
}
