using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Dapper;
using Npgsql;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Dashboard.Tests;

/// <summary><c>taskflow dashboard</c>, the standalone form, as a child process of the real tool.</summary>
public sealed class StandaloneDashboardTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("http://0.0.0.0:5090")]
    [InlineData("http://*:5090")]
    [InlineData("http://example.com:5090")]
    public async Task A_non_loopback_url_is_refused_without_allow_remote(string url)
    {
        var result = await ChildProcess.RunAsync(Tool("dashboard", "--urls", url), Wait);
        result.ExitCode.ShouldBe(2, result.Output);
        result.StandardError.ShouldContain("is not a loopback address");
        result.StandardError.ShouldContain("--allow-remote");
    }

    [Fact]
    public async Task It_serves_the_dashboard_on_loopback_until_stopped()
    {
        var schema = "tf_dash_cli_" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort();
        try
        {
            (await ChildProcess.RunAsync(Tool("schema", "apply", "--schema", schema), Wait)).EnsureSuccess();
            await using var tool = ChildProcess.Start(Tool("dashboard", "--urls", $"http://127.0.0.1:{port}", "--schema", schema), "taskflow dashboard");
            var line = await tool.WaitForLineAsync("TaskFlow dashboard: ", Wait);
            line.ShouldContain($"http://127.0.0.1:{port}/taskflow/");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var queues = await http.GetAsync($"http://127.0.0.1:{port}/taskflow/queues");
            queues.StatusCode.ShouldBe(HttpStatusCode.OK);
            var html = await queues.Content.ReadAsStringAsync();
            html.ShouldContain("<h1>Queues</h1>");
            html.ShouldContain("Purge"); // not read-only: the tool's store has the audit log
            queues.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem().ShouldContain("script-src 'self'");
            var root = await http.GetAsync($"http://127.0.0.1:{port}/");
            root.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/taskflow/");
            var script = await http.GetStringAsync($"http://127.0.0.1:{port}/taskflow/assets/dashboard.js");
            script.ShouldContain("visibilitychange");
            (await tool.StopAsync(StopSignal.Interrupt, Wait)).ShouldBeOneOf(0, 130); // Ctrl+C: stopped, not killed
        }
        finally
        {
            await using var data = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
            await using var connection = await data.OpenConnectionAsync();
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
    }

    private static System.Diagnostics.ProcessStartInfo Tool(params string[] arguments)
    {
        var directory = Path.Combine(Path.GetTempPath(), "taskflow-dash-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var all = new List<string> { Dotnet.AppNextToTests("TaskFlow.Cli.dll") };
        all.AddRange(arguments);
        return Dotnet.StartInfo(all, directory, new Dictionary<string, string>
        {
            ["TaskFlow__RabbitMq__ConnectionUri"] = TestEnvironment.BrokerUri.ToString(),
            ["ConnectionStrings__TaskFlow"] = TestEnvironment.PostgresConnectionString,
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
