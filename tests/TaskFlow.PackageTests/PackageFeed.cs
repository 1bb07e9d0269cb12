using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.PackageTests;

/// <summary>The tests that consume the packed TaskFlow package: they share one <see cref="PackageFeed"/> and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PackageFeedGroup : ICollectionFixture<PackageFeed>
{
    public const string Name = "TaskFlow package";
}

/// <summary>
/// <c>dotnet pack TaskFlow.sln --no-build</c> (the solution is built already: the tests run from it), once for all the
/// package tests, into a local folder feed; and a package cache of their own (<see cref="Packages"/>), empty at first,
/// so that a consumer restores this build of TaskFlow and never a TaskFlow of the same version left in the machine's
/// global cache by an earlier run.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    /// <summary>The configuration the solution was built in: the one these tests were built in.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private readonly StringBuilder _log = new();
    private readonly string _root = Directory.CreateTempSubdirectory("taskflow-feed-").FullName;

    /// <summary>The folder the packages were packed into: a NuGet source.</summary>
    public string Feed => Path.Combine(_root, "feed");

    /// <summary>The package cache the consumers restore into (set <c>NUGET_PACKAGES</c> to it).</summary>
    public string Packages => Path.Combine(_root, "packages");

    /// <summary>A folder for anything else the tests install (templates, tools), removed with the feed.</summary>
    public string Scratch => Path.Combine(_root, "scratch");

    /// <summary>The <c>.nupkg</c> files the pack produced.</summary>
    public IReadOnlyList<string> Nupkgs { get; private set; } = [];

    /// <summary>The <c>.snupkg</c> files the pack produced.</summary>
    public IReadOnlyList<string> Snupkgs { get; private set; } = [];

    /// <summary>The TaskFlow package's version, from its nuspec (every package of one pack has the same).</summary>
    public string Version { get; private set; } = string.Empty;

    /// <summary>What <c>dotnet pack</c> wrote, and how long it took.</summary>
    public string PackLog => _log.ToString();

    /// <summary>The environment for a <c>dotnet</c> command that restores from the feed: the isolated package cache.</summary>
    public IReadOnlyDictionary<string, string> RestoreEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = Packages };

    /// <summary>A nuget.config with the local feed; the machine's own sources (e.g. nuget.org for RabbitMQ.Client) still apply.</summary>
    public string NuGetConfig => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="taskflow-local" value="{Feed}" />
          </packageSources>
        </configuration>
        """;

    /// <summary>The <c>.nupkg</c> of a package id in the feed.</summary>
    public string Nupkg(string id) => Nupkgs.Single(path => Path.GetFileName(path).Equals($"{id}.{Version}.nupkg", StringComparison.OrdinalIgnoreCase));

    public async Task InitializeAsync()
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await Dotnet.RunAsync(TestEnvironment.RepositoryRoot, new Dictionary<string, string>(), line => _log.AppendLine(line), TimeSpan.FromMinutes(10), CancellationToken.None,
            "pack", "TaskFlow.sln", "-c", Configuration, "--no-build", "-o", Feed, "-nologo");
        _log.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"pack: {stopwatch.Elapsed.TotalSeconds:0.0} s");
        Directory.CreateDirectory(Scratch);
        Nupkgs = Directory.GetFiles(Feed, "*.nupkg").Order(StringComparer.Ordinal).ToList();
        Snupkgs = Directory.GetFiles(Feed, "*.snupkg").Order(StringComparer.Ordinal).ToList();
        var main = Nupkgs.SingleOrDefault(path => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(path), @"^TaskFlow\.[0-9]"));
        if (main is not null)
        {
            using var archive = ZipFile.OpenRead(main);
            var nuspec = archive.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            await using var stream = nuspec.Open();
            var metadata = (await XDocument.LoadAsync(stream, LoadOptions.None, CancellationToken.None)).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
            Version = (string)metadata.Elements().Single(element => element.Name.LocalName == "version");
        }

        foreach (var file in Nupkgs.Concat(Snupkgs))
        {
            _log.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetFileName(file)}: {new FileInfo(file).Length / 1024.0:0.0} KiB");
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the temp folder is cleaned up by the system.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }

        return Task.CompletedTask;
    }
}
