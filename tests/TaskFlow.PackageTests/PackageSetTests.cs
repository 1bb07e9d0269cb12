using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.PackageTests;

/// <summary>
/// <c>dotnet pack TaskFlow.sln</c> makes the packages docs/packages.md lists, each with its readme, licence, repository,
/// symbols and XML docs; the tool installs and runs; the worker template makes the web template's projects (which GettingStartedTests builds and runs);
/// a <c>dotnet new web</c> app with the package serves a request that runs a task.
/// </summary>
[Collection(PackageFeedGroup.Name)]
public sealed class PackageSetTests(PackageFeed package, ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("taskflow-package-set-").FullName;

    [Fact]
    public void The_solution_packs_the_documented_packages_each_with_readme_licence_repository_and_symbols()
    {
        output.WriteLine(package.PackLog);
        var documented = DocumentedPackages();
        documented.ShouldContain("TaskFlow");
        documented.ShouldContain("TaskFlow.Templates");
        // TaskFlow.Testing is documented before it lands (src/Testing comes from another branch).
        var expected = documented.Where(id => id != "TaskFlow.Testing" || File.Exists(Path.Combine(TestEnvironment.RepositoryRoot, "src/Testing/TaskFlow.Testing.csproj"))).Order(StringComparer.Ordinal).ToList();
        package.Nupkgs.Select(path => Path.GetFileName(path)).ShouldBe(expected.Select(id => $"{id}.{package.Version}.nupkg"), ignoreOrder: true);

        foreach (var id in expected)
        {
            using var archive = ZipFile.OpenRead(package.Nupkg(id));
            var entries = archive.Entries.Select(entry => entry.FullName).ToList();
            using var reader = new StreamReader(archive.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var metadata = XDocument.Parse(reader.ReadToEnd()).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
            string Field(string name) => (string?)metadata.Elements().SingleOrDefault(element => element.Name.LocalName == name) ?? string.Empty;

            Field("version").ShouldBe(package.Version, id);
            Field("license").ShouldBe("MIT", id);
            Field("readme").ShouldBe("README.md", id);
            entries.ShouldContain("README.md", id);
            Field("projectUrl").ShouldStartWith("https://", customMessage: id);
            Field("description").ShouldNotBeNullOrWhiteSpace(id);
            var repository = metadata.Elements().Single(element => element.Name.LocalName == "repository");
            ((string?)repository.Attribute("url")).ShouldStartWith("https://", customMessage: id);
            ((string?)repository.Attribute("commit")).ShouldNotBeNullOrEmpty(id + ": the commit the package was built from");

            var symbols = Path.ChangeExtension(package.Nupkg(id), ".snupkg");
            if (id == "TaskFlow.Templates")
            {
                metadata.Descendants().Where(element => element.Name.LocalName == "packageType").Select(element => (string?)element.Attribute("name")).ShouldBe(["Template"]);
                entries.ShouldContain("content/taskflow-worker/.template.config/template.json");
                entries.ShouldContain("content/taskflow-web/.template.config/template.json");
                File.Exists(symbols).ShouldBeFalse("nothing is compiled in the templates package");
                continue;
            }

            File.Exists(symbols).ShouldBeTrue(id + " has its symbol package");
            using var symbolArchive = ZipFile.OpenRead(symbols);
            symbolArchive.Entries.ShouldContain(entry => entry.FullName.EndsWith(".pdb", StringComparison.Ordinal), id);
            if (id == "TaskFlow.Cli")
            {
                entries.ShouldContain(entry => entry.StartsWith("tools/net10.0/any/TaskFlow.Cli.dll", StringComparison.Ordinal));
            }
            else
            {
                // A library: its XML docs next to the assembly (IntelliSense).
                entries.ShouldContain($"lib/net10.0/{id}.dll");
                entries.ShouldContain($"lib/net10.0/{id}.xml");
            }
        }
    }

    [Fact]
    public async Task The_tool_installs_from_the_feed_and_runs()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var tools = Path.Combine(_work, "tools");
        await RunAsync(_work, budget.Token, "tool", "install", "TaskFlow.Cli", "--tool-path", tools, "--version", package.Version, "--add-source", package.Feed);
        var taskflow = Path.Combine(tools, "taskflow");
        var version = await ChildProcess.RunAsync(WithArguments(WithFile(Dotnet.StartInfo([], _work, package.RestoreEnvironment), taskflow), "--version"), TimeSpan.FromMinutes(1), budget.Token);
        output.WriteLine("$ taskflow --version" + Environment.NewLine + version.Output);
        version.ExitCode.ShouldBe(0);
        // The informational version MinVer stamped at build time, with the commit: "0.3.0-alpha.0.12+<sha>". The pack
        // reads the version again (it does not build here); on the same commit, as in CI, the two are one.
        var stamped = Regex.Match(version.Output.Trim(), @"^(?<version>[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?)\+(?<commit>[0-9a-f]{40})$");
        stamped.Success.ShouldBeTrue("taskflow --version prints the package version and its commit: " + version.Output);
        if (stamped.Groups["commit"].Value == PackageCommit(package.Nupkg("TaskFlow.Cli")))
        {
            stamped.Groups["version"].Value.ShouldBe(package.Version);
        }
        else
        {
            output.WriteLine("The tool was built on another commit than the one packed (commits after the build): versions not compared.");
        }

        var help = await ChildProcess.RunAsync(WithArguments(WithFile(Dotnet.StartInfo([], _work, package.RestoreEnvironment), taskflow), "--help"), TimeSpan.FromMinutes(1), budget.Token);
        help.ExitCode.ShouldBe(0);
        help.Output.ShouldContain("queues");
        help.Output.ShouldContain("dead");
    }

    [Fact]
    public async Task The_worker_template_makes_the_web_templates_projects_less_the_web_app()
    {
        // GettingStartedTests builds, tests and runs what taskflow-web makes; taskflow-worker makes the same files
        // (less the web app), so building them again here would only cost CI time. A dotted name is checked too: the
        // registration method the template writes is the one the generator makes (docs/generator.md: AddAcmeShopTasks).
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var hive = Path.Combine(_work, "hive");
        await RunAsync(_work, budget.Token, "new", "install", package.Nupkg("TaskFlow.Templates"), "--debug:custom-hive", hive);
        await RunAsync(_work, budget.Token, "new", "taskflow-worker", "-n", "Acme.Shop", "-o", Path.Combine(_work, "worker"), "--debug:custom-hive", hive);
        await RunAsync(_work, budget.Token, "new", "taskflow-web", "-n", "Acme.Shop", "-o", Path.Combine(_work, "web"), "--debug:custom-hive", hive);

        string[] Files(string root) => Directory.GetFiles(Path.Combine(_work, root), "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Path.Combine(_work, root), path).Replace('\\', '/')).Order(StringComparer.Ordinal).ToArray();
        var worker = Files("worker");
        worker.ShouldBe([
            "Acme.Shop.Tasks/Acme.Shop.Tasks.csproj", "Acme.Shop.Tasks/IWelcomeEmailSender.cs", "Acme.Shop.Tasks/LoggingWelcomeEmailSender.cs", "Acme.Shop.Tasks/WelcomeTasks.cs",
            "Acme.Shop.Tests/Acme.Shop.Tests.csproj", "Acme.Shop.Tests/WelcomeTasksTests.cs",
            "Acme.Shop.Worker/Acme.Shop.Worker.csproj", "Acme.Shop.Worker/LoggingHealthCheckPublisher.cs", "Acme.Shop.Worker/Program.cs", "Acme.Shop.Worker/appsettings.json",
            "Acme.Shop.slnx",
        ]);
        Files("web").ShouldBe(worker.Concat(["Acme.Shop.Web/Acme.Shop.Web.csproj", "Acme.Shop.Web/Program.cs", "Acme.Shop.Web/appsettings.json"]).Order(StringComparer.Ordinal), ignoreOrder: true);
        foreach (var file in worker.Where(file => !file.EndsWith(".slnx", StringComparison.Ordinal)))
        {
            (await File.ReadAllTextAsync(Path.Combine(_work, "worker", file), budget.Token)).ShouldBe(await File.ReadAllTextAsync(Path.Combine(_work, "web", file), budget.Token), file);
        }

        (await File.ReadAllTextAsync(Path.Combine(_work, "worker", "Acme.Shop.slnx"), budget.Token)).ShouldNotContain("Web");
        var program = await File.ReadAllTextAsync(Path.Combine(_work, "worker", "Acme.Shop.Worker", "Program.cs"), budget.Token);
        program.ShouldContain(".AddAcmeShopTasks()");
        program.ShouldContain("using Acme.Shop.Tasks;");
        (await File.ReadAllTextAsync(Path.Combine(_work, "worker", "Acme.Shop.Tasks", "Acme.Shop.Tasks.csproj"), budget.Token)).ShouldContain($"<PackageReference Include=\"TaskFlow\" Version=\"{package.Version}\" />");
        (await File.ReadAllTextAsync(Path.Combine(_work, "worker", "Acme.Shop.Tests", "Acme.Shop.Tests.csproj"), budget.Token)).ShouldNotContain("{{", Case.Sensitive, "every version token was replaced at pack time");
    }

    [Fact]
    public async Task A_dotnet_new_web_app_with_the_package_runs_a_task_from_an_endpoint()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await File.WriteAllTextAsync(Path.Combine(_work, "nuget.config"), package.NuGetConfig, budget.Token);
        var app = Path.Combine(_work, "Shop.Web");
        await RunAsync(_work, budget.Token, "new", "web", "-n", "Shop.Web", "-o", app, "--framework", "net10.0", "--no-restore", "--no-update-check");
        await RunAsync(app, budget.Token, "add", "Shop.Web.csproj", "package", "TaskFlow", "--version", package.Version);
        await File.WriteAllTextAsync(Path.Combine(app, "ShopTasks.cs"), """
            using TaskFlow;

            namespace Shop.Web;

            public static partial class ShopTasks
            {
                public static readonly System.Collections.Concurrent.ConcurrentQueue<long> Shipped = new();

                [Task(Queue = "orders")]
                public static Task Ship(long orderId)
                {
                    Shipped.Enqueue(orderId);
                    return Task.CompletedTask;
                }
            }
            """, budget.Token);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using Shop.Web;
            using TaskFlow;
            using TaskFlow.Hosting;

            // Eager mode (no broker): the endpoint's send runs the task inline, after a real JSON round trip.
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddTaskFlow(o => o.Eager = true).AddShopWebTasks();
            builder.Services.AddHealthChecks().AddTaskFlow();
            var app = builder.Build();
            app.MapHealthChecks("/health");
            app.MapPost("/orders/{id:long}/ship", async (long id, ShopTasks.Client tasks) =>
            {
                var sent = await tasks.Ship.DelayAsync(id);
                return Results.Ok(new { sent.TaskName, shipped = ShopTasks.Shipped.ToArray() });
            });
            app.Run();
            """, budget.Token);
        await RunAsync(app, budget.Token, "build", "-c", "Release", "-nologo", "-clp:NoSummary", "-p:TreatWarningsAsErrors=true");

        var port = FreePort();
        await using var web = ChildProcess.Start(Dotnet.StartInfo([Path.Combine(app, "bin", "Release", "net10.0", "Shop.Web.dll"), "--urls", $"http://127.0.0.1:{port}"], app, package.RestoreEnvironment), "the web app");
        try
        {
            await web.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60), budget.Token);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            using var shipped = await http.PostAsync("orders/42/ship", null, budget.Token);
            var body = await shipped.Content.ReadAsStringAsync(budget.Token);
            shipped.StatusCode.ShouldBe(HttpStatusCode.OK, body);
            body.ShouldContain("\"shipped\":[42]");
            body.ShouldContain("ship\"");
        }
        finally
        {
            output.WriteLine("$ " + web + Environment.NewLine + web.Output);
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

    /// <summary>The package ids in the first column of docs/packages.md's first table.</summary>
    private static List<string> DocumentedPackages()
    {
        var lines = File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, "docs/packages.md"));
        var table = lines.SkipWhile(line => !line.StartsWith("| package |", StringComparison.Ordinal)).Skip(2).TakeWhile(line => line.StartsWith('|'));
        return table.Select(line => Regex.Match(line, @"^\| `([A-Za-z.]+)` \|").Groups[1].Value).Where(id => id.Length > 0).ToList();
    }

    private static string? PackageCommit(string nupkg)
    {
        using var archive = ZipFile.OpenRead(nupkg);
        using var reader = new StreamReader(archive.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return (string?)XDocument.Parse(reader.ReadToEnd()).Descendants().Single(element => element.Name.LocalName == "repository").Attribute("commit");
    }

    private static System.Diagnostics.ProcessStartInfo WithFile(System.Diagnostics.ProcessStartInfo start, string file)
    {
        start.FileName = file;
        return start;
    }

    private static System.Diagnostics.ProcessStartInfo WithArguments(System.Diagnostics.ProcessStartInfo start, params string[] arguments)
    {
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task<string> RunAsync(string directory, CancellationToken cancellationToken, params string[] arguments) =>
        Dotnet.RunAsync(directory, package.RestoreEnvironment, output.WriteLine, TimeSpan.FromMinutes(4), cancellationToken, arguments);
}
