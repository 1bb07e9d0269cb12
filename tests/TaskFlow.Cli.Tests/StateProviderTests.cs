using System.Threading.Tasks;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Cli.Tests;

/// <summary>
/// The state store's database chosen as the application chooses it (<c>TaskFlow:State:Provider</c>) or by
/// <c>--state-provider</c>. No SQL Server runs here: the SQL Server store is told apart by its schema script (T-SQL) and by
/// its failure against a closed port, which names the settings to check.
/// </summary>
public sealed class StateProviderTests
{
    private const string ClosedSqlServer = "Server=127.0.0.1,1;User ID=sa;Password=not-used;Encrypt=false;Connect Timeout=5";

    [Fact]
    public async Task Sql_server_is_chosen_by_flag_or_configuration_and_unknown_providers_fail_with_the_choices()
    {
        var cli = new Cli();

        // The flag: the SQL Server schema script (T-SQL), without a server.
        var script = await cli.RunAsync("schema", "script", "--state-provider", "sqlserver", "--state", ClosedSqlServer);
        script.EnsureSuccess();
        script.StandardOutput.ShouldContain("NVARCHAR", Case.Insensitive);
        script.StandardOutput.ShouldNotContain("timestamptz", Case.Insensitive);
        (await cli.RunAsync("schema", "script")).EnsureSuccess().StandardOutput.ShouldContain("timestamptz", Case.Insensitive);

        // A closed port: exit 1, the provider and the settings to check named.
        var closed = await cli.RunAsync("workers", "--state-provider", "sqlserver", "--state", ClosedSqlServer);
        closed.ExitCode.ShouldBe(1);
        closed.StandardError.ShouldContain("the state store (SQL Server) failed");
        closed.StandardError.ShouldContain("--state / ConnectionStrings:TaskFlow");

        // The configuration key the application binds (TaskFlow:State:Provider), here from the environment.
        var configured = new Cli();
        configured.Environment["TaskFlow__State__Provider"] = "SqlServer";
        configured.Environment["ConnectionStrings__TaskFlow"] = ClosedSqlServer;
        (await configured.RunAsync("schema", "script")).EnsureSuccess().StandardOutput.ShouldContain("NVARCHAR", Case.Insensitive);

        // A PostgreSQL connection string given to SQL Server: not valid, and the message says what one looks like.
        var mismatch = new Cli();
        mismatch.Environment["TaskFlow__State__Provider"] = "sqlserver";
        var wrong = await mismatch.RunAsync("workers");
        wrong.ExitCode.ShouldBe(2);
        wrong.StandardError.ShouldContain("not a valid SQL Server connection string");
        wrong.StandardError.ShouldContain("--state-provider");

        // Unknown providers, by flag and by configuration.
        var flag = await cli.RunAsync("workers", "--state-provider", "mysql");
        flag.ExitCode.ShouldBe(2);
        flag.StandardError.ShouldContain("--state-provider: 'mysql' is not a state store provider; use postgresql (or postgres) or sqlserver");
        var key = new Cli();
        key.Environment["TaskFlow__State__Provider"] = "Oracle";
        var keyed = await key.RunAsync("workers");
        keyed.ExitCode.ShouldBe(2);
        keyed.StandardError.ShouldContain("TaskFlow:State:Provider: 'Oracle' is not a state store provider");
        keyed.StandardError.ShouldContain("TaskFlow__State__Provider");

        // postgres by flag: the default store, as before.
        (await new Cli("tf_cli_none").RunAsync("schema", "status", "--state-provider", "postgres")).EnsureSuccess();
    }
}
