using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.PackageTests;

/// <summary>
/// Follows docs/getting-started.md: its fenced blocks marked <c>```bash getting-started...</c> are run as written,
/// in a home folder of the test's own (so <c>dotnet new install</c> and <c>$HOME/taskflow-feed</c> touch nothing of the
/// machine's). Three things differ from a reader's run, each visible here: the <c>dotnet pack</c> line of the repository
/// block is checked, not run again (the shared <see cref="PackageFeed"/> ran it with <c>--no-build</c>, the solution
/// being built already, and <c>$HOME/taskflow-feed</c> links to its output); both apps get a virtual host of the
/// test's own on the local broker (environment <c>TaskFlow__RabbitMq__ConnectionUri</c>), so that other tests' queues
/// named "emails" are not touched; the web app listens on a free port (environment <c>Urls</c>) and the request's
/// <c>127.0.0.1:5080</c> is replaced by it.
/// </summary>
[Collection(PackageFeedGroup.Name)]
public sealed class GettingStartedTests(PackageFeed package, ITestOutputHelper output) : IDisposable
{
    private const string Page = "docs/getting-started.md";

    private readonly string _work = Directory.CreateTempSubdirectory("taskflow-getting-started-").FullName;

    [Fact]
    public async Task The_getting_started_page_works_as_written()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var blocks = ShellBlocks(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, Page)));
        blocks.Keys.ShouldBe(["getting-started-repository", "getting-started", "getting-started-worker", "getting-started-web", "getting-started-request"], ignoreOrder: true);

        // 1. The repository block: the scripts run (idempotent: the services are up already), the pack is the fixture's.
        var repository = blocks["getting-started-repository"];
        repository.ShouldBe(["bash scripts/rabbitmq.sh", "bash scripts/postgres.sh", "dotnet pack TaskFlow.sln -c Release -o \"$HOME/taskflow-feed\""]);
        var home = Path.Combine(_work, "home");
        var environment = Environment(home);
        foreach (var script in repository.Where(line => line.StartsWith("bash scripts/", StringComparison.Ordinal)))
        {
            await BashAsync(script, TestEnvironment.RepositoryRoot, environment, TimeSpan.FromMinutes(3), budget.Token);
        }

        output.WriteLine(package.PackLog);
        package.Version.ShouldNotBeNullOrEmpty("the pack produced the TaskFlow package");
        Directory.CreateDirectory(home);
        File.CreateSymbolicLink(Path.Combine(home, "taskflow-feed"), package.Feed);
        var userConfig = Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");
        if (File.Exists(userConfig))
        {
            // The machine's package sources (the registry for RabbitMQ.Client, OpenTelemetry...), as the reader has them.
            Directory.CreateDirectory(Path.Combine(home, ".nuget", "NuGet"));
            File.Copy(userConfig, Path.Combine(home, ".nuget", "NuGet", "NuGet.Config"));
        }

        // 2. From an empty folder: feed, templates, a new app, its build and its own test.
        var empty = Path.Combine(_work, "empty");
        Directory.CreateDirectory(empty);
        var where = Path.Combine(_work, "where.txt");
        var create = await BashAsync(string.Join('\n', blocks["getting-started"].Append("pwd > '" + where + "'")), empty, environment, TimeSpan.FromMinutes(5), budget.Token);
        create.ShouldContain("Passed!", Case.Sensitive, "the template's own test passes");
        var app = (await File.ReadAllTextAsync(where, budget.Token)).Trim();
        app.ShouldBe(Path.Combine(empty, "shop", "Shop"));
        (await File.ReadAllTextAsync(Path.Combine(app, "Shop.Tasks", "Shop.Tasks.csproj"), budget.Token)).ShouldContain($"Include=\"TaskFlow\" Version=\"{package.Version}\"");

        // 3. The worker and the web app, on a virtual host of their own; one request; the worker runs the task.
        var vhost = "taskflow-getting-started-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = await Vhost.CreateAsync(vhost, budget.Token);
        var port = FreePort();
        var apps = new Dictionary<string, string>(environment) { ["TaskFlow__RabbitMq__ConnectionUri"] = broker.Uri.ToString() };
        var worker = Start(blocks["getting-started-worker"].ShouldHaveSingleItem(), app, apps, "the worker");
        await using (worker)
        {
            var web = Start(blocks["getting-started-web"].ShouldHaveSingleItem(), app, new Dictionary<string, string>(apps) { ["Urls"] = $"http://127.0.0.1:{port}" }, "the web app");
            await using (web)
            {
                try
                {
                    await worker.WaitForLineAsync("Consuming queue emails", TimeSpan.FromSeconds(90), budget.Token);
                    await web.WaitForLineAsync("Now listening on: http://127.0.0.1:" + port, TimeSpan.FromSeconds(90), budget.Token);

                    var request = blocks["getting-started-request"].ShouldHaveSingleItem();
                    request.ShouldContain("http://127.0.0.1:5080/", Case.Sensitive, "the port the page and the template's appsettings.json name");
                    var answer = await BashAsync(request.Replace("127.0.0.1:5080", "127.0.0.1:" + port, StringComparison.Ordinal), app, environment, TimeSpan.FromSeconds(60), budget.Token);
                    answer.ShouldContain("HTTP/1.1 202 Accepted");
                    answer.ShouldContain("\"taskId\":\"");

                    await worker.WaitForLineAsync("Welcome email sent to user 42", TimeSpan.FromSeconds(60), budget.Token);
                    await worker.WaitForLineAsync(line => line.Contains("send_welcome_email", StringComparison.Ordinal) && line.Contains(" succeeded in ", StringComparison.Ordinal), "the task's summary line", TimeSpan.FromSeconds(30), budget.Token);
                }
                finally
                {
                    output.WriteLine("$ " + web + System.Environment.NewLine + web.Output);
                    output.WriteLine("$ " + worker + System.Environment.NewLine + worker.Output);
                }
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the temp folder is cleaned up by the system.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    /// <summary>The page's <c>```bash getting-started...</c> blocks by their tag: their command lines, without blank lines.</summary>
    private static Dictionary<string, List<string>> ShellBlocks(string markdown)
    {
        var blocks = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (current is null)
            {
                if (line.StartsWith("```bash getting-started", StringComparison.Ordinal))
                {
                    current = [];
                    blocks.Add(line["```bash ".Length..].Trim(), current);
                }
            }
            else if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                current = null;
            }
            else if (line.Trim().Length > 0)
            {
                current.Add(line.Trim());
            }
        }

        return blocks;
    }

    /// <summary>A home of the test's own; the package caches of the fixture and of the machine (no download twice).</summary>
    private Dictionary<string, string> Environment(string home)
    {
        var environment = new Dictionary<string, string>(package.RestoreEnvironment)
        {
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = home,
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
        };
        var httpCache = Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".local", "share", "NuGet", "http-cache");
        if (Directory.Exists(httpCache))
        {
            environment["NUGET_HTTP_CACHE_PATH"] = httpCache;
        }

        // `dotnet` in the page's commands: the SDK that runs these tests.
        var host = Dotnet.Host;
        if (Path.IsPathRooted(host))
        {
            environment["PATH"] = Path.GetDirectoryName(host) + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH");
        }

        return environment;
    }

    private static ProcessStartInfo Bash(string script, string directory, IReadOnlyDictionary<string, string> environment)
    {
        var start = Dotnet.StartInfo([], directory, environment);
        start.FileName = "bash";
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return start;
    }

    private async Task<string> BashAsync(string script, string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await ChildProcess.RunAsync(Bash(script, directory, environment), timeout, cancellationToken);
        output.WriteLine($"$ {script}{System.Environment.NewLine}{result.Output}{System.Environment.NewLine}({stopwatch.Elapsed.TotalSeconds:0.0} s, exit {result.ExitCode})");
        result.ExitCode.ShouldBe(0, $"{script} failed:{System.Environment.NewLine}{result.Output}");
        return result.Output;
    }

    /// <summary>A long-running command of the page (its own terminal for the reader).</summary>
    private static ChildProcess Start(string command, string directory, IReadOnlyDictionary<string, string> environment, string name) =>
        ChildProcess.Start(Bash("exec " + command, directory, environment), name);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A RabbitMQ virtual host for one test, through the management API (guest on the local broker); deleted with its queues.</summary>
    private sealed class Vhost : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly string _name;

        private Vhost(HttpClient http, string name, Uri uri)
        {
            _http = http;
            _name = name;
            Uri = uri;
        }

        public Uri Uri { get; }

        public static async Task<Vhost> CreateAsync(string name, CancellationToken cancellationToken)
        {
            var broker = TestEnvironment.BrokerUri;
            var credentials = Uri.UnescapeDataString(broker.UserInfo is { Length: > 0 } info ? info : "guest:guest");
            var http = new HttpClient { BaseAddress = new Uri($"http://{broker.Host}:15672/api/"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
            var user = credentials.Split(':')[0];
            (await http.PutAsync("vhosts/" + name, null, cancellationToken)).EnsureSuccessStatusCode();
            (await http.PutAsync($"permissions/{name}/{Uri.EscapeDataString(user)}",
                new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json"), cancellationToken)).EnsureSuccessStatusCode();
            var uri = new UriBuilder(broker) { Path = "/" + name }.Uri;
            return new Vhost(http, name, uri);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _http.DeleteAsync("vhosts/" + _name);
            }
            catch (HttpRequestException)
            {
                // Best effort: a left-over virtual host holds only this test's queues.
            }
            finally
            {
                _http.Dispose();
            }
        }
    }
}
