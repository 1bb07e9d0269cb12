using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.PackageTests;

/// <summary>
/// <c>dotnet pack src/Runtime</c> produces one TaskFlow package with the runtime, the generator, the analyzers and the
/// code fixes; a project that references only that package (from a local folder, with an empty package cache) gets the
/// generated proxies and the analyzer warnings. The pack is shared with the other package tests (<see cref="PackageFeed"/>).
/// </summary>
[Collection(PackageFeedGroup.Name)]
public sealed class PackageTests(PackageFeed package, ITestOutputHelper output) : IDisposable
{
    private static readonly string s_repository = TestEnvironment.RepositoryRoot;

    private readonly string _work = Directory.CreateTempSubdirectory("taskflow-package-").FullName;

    [Fact]
    public async Task The_package_carries_everything_and_a_consumer_gets_proxies_and_warnings()
    {
        var packages = package.Packages;

        // 1. One package with the runtime and its compile-time parts.
        output.WriteLine(package.PackLog);
        var nupkg = package.Nupkg("TaskFlow");
        string nuspec;
        using (var archive = ZipFile.OpenRead(nupkg))
        {
            var entries = archive.Entries.Select(entry => entry.FullName).ToList();
            entries.ShouldContain("lib/net10.0/TaskFlow.dll");
            entries.ShouldContain("analyzers/dotnet/cs/TaskFlow.Generators.dll");
            entries.ShouldContain("analyzers/dotnet/cs/TaskFlow.Analyzers.dll");
            entries.ShouldContain("analyzers/dotnet/cs/TaskFlow.CodeFixes.dll");
            entries.ShouldContain("lib/net10.0/TaskFlow.xml");
            entries.ShouldNotContain(entry => entry.StartsWith("lib/", StringComparison.Ordinal) && entry != "lib/net10.0/TaskFlow.dll" && entry != "lib/net10.0/TaskFlow.xml");
            using var reader = new StreamReader(archive.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            nuspec = await reader.ReadToEndAsync();
        }

        var metadata = XDocument.Parse(nuspec).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
        var dependencies = metadata.Descendants().Where(element => element.Name.LocalName == "dependency").Select(element => (string)element.Attribute("id")! + " " + (string)element.Attribute("version")!).ToList();
        // The runtime's own package references, and nothing of the generator, analyzers or code fixes.
        var project = XDocument.Load(Path.Combine(s_repository, "src/Runtime/TaskFlow.csproj"));
        var versions = XDocument.Load(Path.Combine(s_repository, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(element => (string)element.Attribute("Include")!, element => (string)element.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        // Build-only references (PrivateAssets="all", e.g. the public API analyzer) do not flow to consumers.
        var expected = project.Descendants("PackageReference")
            .Where(element => (string?)element.Attribute("PrivateAssets") != "all")
            .Select(element => (string)element.Attribute("Include")!)
            .Select(id => id + " " + versions[id]).Order(StringComparer.Ordinal).ToList();
        expected.ShouldContain("RabbitMQ.Client 7.2.2");
        dependencies.Order(StringComparer.Ordinal).ShouldBe(expected);
        dependencies.ShouldNotContain(dependency => dependency.StartsWith("TaskFlow", StringComparison.Ordinal));
        metadata.Descendants().Where(element => element.Name.LocalName == "frameworkReference").Select(element => (string)element.Attribute("name")!)
            .ShouldBe(project.Descendants("FrameworkReference").Select(element => (string)element.Attribute("Include")!), ignoreOrder: true);
        metadata.Descendants().Where(element => element.Name.LocalName == "frameworkReference").Select(element => (string)element.Attribute("name")!)
            .ShouldNotContain("Microsoft.AspNetCore.App", "a plain worker service needs no ASP.NET Core shared framework: the runtime takes Microsoft.Extensions.* as packages");
        var version = (string)metadata.Elements().Single(element => element.Name.LocalName == "version");
        version.ShouldBe(package.Version);

        // 2. A console app outside the repository (no Directory.Build.props), made by `dotnet new console`, with the
        //    package from the local feed (and the usual registry for its dependencies).
        var consumer = Path.Combine(_work, "Shop.Worker");
        await File.WriteAllTextAsync(Path.Combine(_work, "nuget.config"), package.NuGetConfig);
        await RunAsync(_work, package.RestoreEnvironment, "new", "console", "-n", "Shop.Worker", "-o", consumer, "--framework", "net10.0", "--no-restore", "--no-update-check");
        await RunAsync(consumer, package.RestoreEnvironment, "add", "Shop.Worker.csproj", "package", "TaskFlow", "--version", version);
        await File.WriteAllTextAsync(Path.Combine(consumer, "ShopTasks.cs"), """
            using System.Threading;
            using System.Threading.Tasks;
            using TaskFlow;

            namespace Shop;

            public class Order
            {
                public long Id { get; set; }
            }

            public static partial class ShopTasks
            {
                [Task(Queue = "orders")]
                public static Task Ship(long orderId, CancellationToken cancellationToken) => Task.CompletedTask;

                [Task]
                public static Task Audit(Order order) => Task.CompletedTask;
            }

            public static class Checkout
            {
                // Compiles only if the generator ran: ShopTasks.Client, its proxies and AddShopWorkerTasks() are generated.
                public static async Task<TaskHandle> PlaceAsync(ShopTasks.Client tasks, Order order, CancellationToken ct) =>
                    await tasks.Ship.DelayAsync(order.Id, ct);

                public static TaskFlowBuilder Register(TaskFlowBuilder builder) => builder.AddShopWorkerTasks();
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "WorkerHost.cs"), """
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;
            using TaskFlow;
            using TaskFlow.Hosting;
            using TaskFlow.RabbitMq;

            namespace Shop;

            public static class WorkerHost
            {
                // A plain worker service (Microsoft.NET.Sdk, no framework reference): the generic host, the registration
                // chain and the health check all come with the TaskFlow package.
                public static IHost Build(string[] args)
                {
                    var builder = Host.CreateApplicationBuilder(args);
                    var section = builder.Configuration.GetSection("TaskFlow");
                    builder.Services.AddTaskFlow(section)
                        .UseRabbitMq(section.GetSection("RabbitMq"), o => o.QueueType = QueueType.Quorum)
                        .AddShopWorkerTasks()
                        .AddWorker(section.GetSection("Worker"), w => w.AddQueue("orders", concurrency: 2));
                    builder.Services.AddHealthChecks().AddTaskFlow();
                    return builder.Build();
                }
            }
            """);

        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
            using Microsoft.Extensions.DependencyInjection;
            using Shop;
            using TaskFlow;

            // Eager mode: the task runs inline, after a real JSON round trip of its arguments; no broker.
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddTaskFlow(o => o.Eager = true).AddShopWorkerTasks();
            await using var provider = services.BuildServiceProvider();
            var handle = await provider.GetRequiredService<ShopTasks.Client>().Ship.DelayAsync(42);
            Console.WriteLine("ran " + handle.TaskName + " on queue " + handle.Queue);
            """);

        var build = await RunAsync(consumer, package.RestoreEnvironment, "build", "-nologo", "-clp:NoSummary");

        build.ShouldContain("warning TF1001");
        build.ShouldNotContain("CS8032", Case.Sensitive, "every analyzer assembly loads in the command-line compiler (the code fixes' Workspaces dependency stays out of it)");
        build.ShouldNotContain("CS9057", Case.Sensitive, "the generator and analyzers are built against a Roslyn the SDK's compiler can load");
        build.ShouldNotContain("AD0001", Case.Sensitive, "no analyzer throws");
        build.ShouldContain("Parameter 'order' of task 'ShopTasks.Audit' is the entity 'Order'");
        File.Exists(Path.Combine(consumer, "bin", "Debug", "net10.0", "Shop.Worker.dll")).ShouldBeTrue();
        (await File.ReadAllTextAsync(Path.Combine(consumer, "obj", "project.assets.json")))
            .ShouldNotContain("Microsoft.AspNetCore.App", Case.Sensitive, "nothing the package brings pulls in the ASP.NET Core shared framework");
        Directory.Exists(Path.Combine(packages, "taskflow")).ShouldBeTrue("the consumer restored TaskFlow into the isolated cache");

        // 3. It runs.
        var run = await RunAsync(consumer, package.RestoreEnvironment, "run", "--no-build");
        run.ShouldContain("ran ");
        run.ShouldContain(".ship on queue orders");
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
    }

    private Task<string> RunAsync(string directory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Dotnet.RunAsync(directory, environment, output.WriteLine, TimeSpan.FromMinutes(10), CancellationToken.None, arguments);
}
