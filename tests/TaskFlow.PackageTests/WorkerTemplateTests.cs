using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.PackageTests;

/// <summary>
/// A project made by <c>dotnet new worker</c> (Microsoft.NET.Sdk.Worker), with the TaskFlow package from the local feed
/// added, runs a TaskFlow worker on the plain .NET runtime: no ASP.NET Core shared framework anywhere. Needs the broker
/// (<c>TASKFLOW_TEST_AMQP</c>, default amqp://guest:guest@127.0.0.1:5672/) and the machine's NuGet source for the
/// Microsoft.Extensions.* and RabbitMQ.Client packages. Linux: the worker is stopped with SIGINT (<c>kill -INT</c>).
/// </summary>
[Collection(PackageFeedGroup.Name)]
public sealed class WorkerTemplateTests(PackageFeed package, ITestOutputHelper output) : IDisposable
{
    private const string AppName = "Smoke.Worker";
    private const int TaskCount = 5;

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private readonly string _work = Directory.CreateTempSubdirectory("taskflow-worker-template-").FullName;

    [Fact]
    public async Task A_dotnet_new_worker_project_runs_a_TaskFlow_worker_on_the_plain_runtime()
    {
        // Everything (the template, the restore, the build, the run and the stop; not the shared pack) within 3 minutes.
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var queue = "taskflow-package-worker-" + Guid.NewGuid().ToString("N")[..12];
        var marker = Path.Combine(_work, "marker.txt");
        var app = Path.Combine(_work, AppName);
        var environment = package.RestoreEnvironment;
        var succeeded = false;
        try
        {
            output.WriteLine(package.PackLog);
            package.Version.ShouldNotBeNullOrEmpty("the pack produced one TaskFlow package");

            // 1. The SDK's worker template, as a user would start. The template itself needs no network; its restore
            //    post-action would, so it is left to the build below (which uses the local feed and the isolated cache).
            await File.WriteAllTextAsync(Path.Combine(_work, "nuget.config"), package.NuGetConfig, budget.Token);
            await RunAsync(_work, environment, TimeSpan.FromMinutes(1), budget.Token,
                "new", "worker", "-n", AppName, "-o", app, "--framework", "net10.0", "--no-restore", "--no-update-check");
            File.ReadAllText(Path.Combine(app, AppName + ".csproj")).ShouldContain("Sdk=\"Microsoft.NET.Sdk.Worker\"");

            // 2. The TaskFlow package, a [Task] and a Program.cs that is the worker, or (--send N) sends N tasks.
            await RunAsync(app, environment, TimeSpan.FromMinutes(2), budget.Token, "add", AppName + ".csproj", "package", "TaskFlow", "--version", package.Version);
            File.Delete(Path.Combine(app, "Worker.cs"));
            await File.WriteAllTextAsync(Path.Combine(app, "SmokeTasks.cs"), SmokeTasksSource, budget.Token);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ProgramSource, budget.Token);
            await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), AppSettings(queue, marker), budget.Token);
            // Warning-free as generated; NuGet's vulnerability audit is left out, so that a new advisory against a
            // dependency does not fail this test (it is about the runtime the app needs).
            await RunAsync(app, environment, TimeSpan.FromMinutes(3), budget.Token,
                "build", "-c", "Release", "-nologo", "-clp:NoSummary", "-p:TreatWarningsAsErrors=true", "-p:NuGetAudit=false");
            var bin = Path.Combine(app, "bin", "Release", "net10.0");
            var dll = Path.Combine(bin, AppName + ".dll");
            File.Exists(dll).ShouldBeTrue();

            // 3. The plain runtime: only Microsoft.NETCore.App, in what the host reads and in what NuGet resolved.
            AssertPlainRuntime(app, bin);

            // 4. The worker runs; tasks sent through the generated proxy by another process reach it; SIGINT stops it
            //    (ChildProcess starts it with SIGINT at its default action, and refuses to signal a process that ignores it).
            await using (var worker = ChildProcess.Start(Dotnet.StartInfo([dll], app, environment), "the worker (dotnet " + AppName + ".dll)"))
            {
                try
                {
                    await worker.WaitForLineAsync("Consuming queue " + queue, TimeSpan.FromSeconds(60), budget.Token);
                    var sent = await RunAsync(app, environment, TimeSpan.FromMinutes(1), budget.Token, dll, "--send", TaskCount.ToString(CultureInfo.InvariantCulture));
                    var expected = Enumerable.Range(1, TaskCount).Select(i => "item-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
                    foreach (var item in expected)
                    {
                        sent.ShouldContain("sent " + item + " as ");
                    }

                    await WaitForMarkerAsync(marker, expected, worker, TimeSpan.FromSeconds(60), budget.Token);

                    var exitCode = await worker.StopAsync(StopSignal.Interrupt, TimeSpan.FromSeconds(30), budget.Token);
                    var log = worker.Output;
                    exitCode.ShouldBe(0, "the worker stops gracefully on SIGINT:" + Environment.NewLine + log);
                    log.ShouldContain("Application is shutting down...");
                    log.ShouldContain("Worker stopped; 0 tasks were abandoned");
                    log.ShouldNotContain("fail:", Case.Sensitive, "nothing failed in the worker");
                }
                finally
                {
                    output.WriteLine("$ " + worker + Environment.NewLine + worker.Output);
                }
            }

            succeeded = true;
        }
        finally
        {
            await DeleteQueuesAsync(queue, rethrow: succeeded);
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

    private static void AssertPlainRuntime(string app, string bin)
    {
        var runtimeConfig = File.ReadAllText(Path.Combine(bin, AppName + ".runtimeconfig.json"));
        using (var document = JsonDocument.Parse(runtimeConfig))
        {
            var options = document.RootElement.GetProperty("runtimeOptions");
            var frameworks = new List<string>();
            if (options.TryGetProperty("framework", out var framework))
            {
                frameworks.Add(framework.GetProperty("name").GetString()!);
            }

            if (options.TryGetProperty("frameworks", out var list))
            {
                frameworks.AddRange(list.EnumerateArray().Select(item => item.GetProperty("name").GetString()!));
            }

            frameworks.ShouldBe(["Microsoft.NETCore.App"], "the app runs on the plain .NET runtime:" + Environment.NewLine + runtimeConfig);
        }

        runtimeConfig.ShouldNotContain("Microsoft.AspNetCore", Case.Sensitive);
        File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"))
            .ShouldNotContain("Microsoft.AspNetCore.App", Case.Sensitive, "nothing the template or the package brings pulls in the ASP.NET Core shared framework");
        File.ReadAllText(Path.Combine(bin, AppName + ".deps.json")).ShouldNotContain("Microsoft.AspNetCore", Case.Sensitive);
        Directory.GetFiles(bin, "Microsoft.AspNetCore.*").ShouldBeEmpty();
    }

    private async Task WaitForMarkerAsync(string marker, IReadOnlyList<string> expected, ChildProcess worker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var seen = new List<string>();
        while (true)
        {
            if (File.Exists(marker))
            {
                using var stream = new FileStream(marker, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                var text = await reader.ReadToEndAsync(cancellationToken);
                seen = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                if (expected.All(seen.Contains))
                {
                    break;
                }
            }

            worker.HasExited.ShouldBeFalse("the worker exited before running every task:" + Environment.NewLine + worker.Output);
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"After {timeout} the marker has [{string.Join(", ", seen)}], not all of [{string.Join(", ", expected)}]. Worker output:{Environment.NewLine}{worker.Output}");
            }

            await Task.Delay(200, cancellationToken);
        }

        output.WriteLine($"every task ran after {stopwatch.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", seen)}");
        seen.Order(StringComparer.Ordinal).ShouldBe(expected.Order(StringComparer.Ordinal), "each task ran once");
    }

    private async Task DeleteQueuesAsync(string queue, bool rethrow)
    {
        try
        {
            var factory = new ConnectionFactory
            {
                Uri = TestEnvironment.BrokerUri,
                ClientProvidedName = "taskflow-package-tests:cleanup",
                RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            };
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + ".dead");
        }
        catch (Exception ex) when (!rethrow)
        {
            // The test failed already: report its failure, not the cleanup's.
            output.WriteLine($"could not delete queue {queue}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private Task<string> RunAsync(string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken, params string[] arguments) =>
        Dotnet.RunAsync(directory, environment, output.WriteLine, timeout, cancellationToken, arguments);

    private static string AppSettings(string queue, string marker) => JsonSerializer.Serialize(new
    {
        Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Information", ["Microsoft.Hosting.Lifetime"] = "Information" } },
        Smoke = new { MarkerFile = marker },
        TaskFlow = new
        {
            DefaultQueue = queue,
            RabbitMq = new { ConnectionUri = TestEnvironment.BrokerUri.ToString() },
            Worker = new
            {
                Queues = new[] { new { Name = queue, Concurrency = 2, Prefetch = 4 } },
                ShutdownGracePeriod = "00:00:05",
            },
        },
    }, s_indented);

    private const string SmokeTasksSource = """
        using Microsoft.Extensions.Configuration;
        using TaskFlow;

        namespace Smoke.Worker;

        public static partial class SmokeTasks
        {
            private static readonly Lock s_marker = new();

            // Appends its argument to the marker file named by configuration (Smoke:MarkerFile); IConfiguration is
            // injected by the worker, only 'item' travels in the message.
            [Task]
            public static Task Mark(string item, IConfiguration configuration)
            {
                var path = configuration["Smoke:MarkerFile"] ?? throw new InvalidOperationException("Smoke:MarkerFile is not set.");
                lock (s_marker)
                {
                    File.AppendAllText(path, item + Environment.NewLine);
                }

                return Task.CompletedTask;
            }
        }
        """;

    private const string ProgramSource = """
        using Smoke.Worker;
        using TaskFlow;
        using TaskFlow.RabbitMq;

        // A TaskFlow worker on the plain .NET runtime (Microsoft.NET.Sdk.Worker, no ASP.NET Core).
        //   dotnet Smoke.Worker.dll            runs the worker until Ctrl+C (SIGINT) or SIGTERM
        //   dotnet Smoke.Worker.dll --send 5   sends item-1 .. item-5 through the generated proxy, then exits
        var builder = Host.CreateApplicationBuilder(args);
        var section = builder.Configuration.GetSection("TaskFlow");
        var taskflow = builder.Services.AddTaskFlow(section)
            .UseRabbitMq(section.GetSection("RabbitMq"))
            .AddSmokeWorkerTasks();

        var send = builder.Configuration.GetValue<int?>("send");
        if (send is null)
        {
            taskflow.AddWorker(section.GetSection("Worker"));
        }

        using var host = builder.Build();
        if (send is { } count)
        {
            var tasks = host.Services.GetRequiredService<SmokeTasks.Client>();
            for (var i = 1; i <= count; i++)
            {
                var handle = await tasks.Mark.DelayAsync("item-" + i);
                Console.WriteLine("sent item-" + i + " as " + handle.Id);
            }

            return;
        }

        await host.RunAsync();
        """;
}
