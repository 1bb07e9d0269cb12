using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using TaskFlow.CodeFixes;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>
/// examples/AnalyzerSamples: the bad sample fires what it announces, the fixed sample is clean, the entity fix turns one
/// into the other; and the other examples of the repository raise no TaskFlow diagnostic.
/// </summary>
public sealed partial class AnalyzerSampleTests
{
    private static readonly string s_samples = Path.Combine(AnalyzerHarness.RepositoryRoot, "examples", "AnalyzerSamples");

    [Fact]
    public async Task The_bad_sample_reports_exactly_what_it_announces()
    {
        var files = SampleFiles("Before");
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(files.Select(file => file.Text));

        var expected = new List<string>();
        foreach (var (index, file) in files.Select((file, index) => (index, file)))
        {
            var lines = file.Text.Split('\n');
            for (var line = 0; line < lines.Length; line++)
            {
                var match = ExpectMarker().Match(lines[line]);
                if (match.Success)
                {
                    expected.AddRange(match.Groups[1].Value.Split(',').Select(id => file.Name + ":" + (line + 1) + " " + id.Trim()));
                }
            }
        }

        var actual = diagnostics.Select(diagnostic =>
        {
            var index = int.Parse(Path.GetFileNameWithoutExtension(diagnostic.Location.SourceTree!.FilePath)["Source".Length..], System.Globalization.CultureInfo.InvariantCulture);
            return files[index].Name + ":" + (diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1) + " " + diagnostic.Id;
        });

        actual.Order(StringComparer.Ordinal).ShouldBe(expected.Order(StringComparer.Ordinal));
        expected.Select(entry => entry.Split(' ')[1]).Distinct().Count().ShouldBe(12, "every rule is demonstrated");
    }

    [Fact]
    public async Task The_fixed_sample_compiles_without_warnings_or_diagnostics()
    {
        var compilation = AnalyzerHarness.RunGenerator(AnalyzerHarness.CreateCompilation(SampleFiles("After").Select(file => file.Text)));
        var problems = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning).ToList();
        problems.ShouldBeEmpty(string.Join(Environment.NewLine, problems));
        (await AnalyzerHarness.AnalyzeCompilationAsync(compilation)).Select(AnalyzerHarness.Describe).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_entity_fix_turns_the_bad_sample_into_the_fixed_one()
    {
        var project = new TestProject("Samples", new Dictionary<string, string>
        {
            ["Shared.cs"] = File.ReadAllText(Path.Combine(s_samples, "Shared.cs")),
            ["EntityArgument.cs"] = File.ReadAllText(Path.Combine(s_samples, "Before", "EntityArgument.cs")),
        });

        var fixedTexts = await CodeFixHarness.ApplyAsync(new[] { project }, "TF1001", new UseEntityKeyCodeFixProvider());

        var expected = File.ReadAllText(Path.Combine(s_samples, "After", "EntityArgument.cs"));
        ExpectMarkerWithSpace().Replace(fixedTexts["EntityArgument.cs"], string.Empty).ShouldBe(expected);
    }

    [Fact]
    public async Task The_repository_examples_raise_no_TaskFlow_diagnostic()
    {
        var examples = Path.Combine(AnalyzerHarness.RepositoryRoot, "examples");
        var projects = Directory.GetFiles(examples, "*.csproj", SearchOption.AllDirectories)
            .Where(path => !path.Contains("AnalyzerSamples", StringComparison.Ordinal))
            .Select(Path.GetFullPath)
            .ToList();
        projects.ShouldNotBeEmpty();

        var compiled = new Dictionary<string, Compilation>(StringComparer.Ordinal);
        Compilation Compile(string csproj)
        {
            if (compiled.TryGetValue(csproj, out var done))
            {
                return done;
            }

            var text = File.ReadAllText(csproj);
            var directory = Path.GetDirectoryName(csproj)!;
            var references = ProjectReference().Matches(text)
                .Select(match => Path.GetFullPath(Path.Combine(directory, match.Groups[1].Value.Replace('\\', '/'))))
                .Where(projects.Contains)
                .Select(reference => Compile(reference).ToMetadataReference())
                .Concat(BuiltLibraries(text, directory))
                .Concat(Packages(csproj).SelectMany(PackageAssemblies))
                .Concat(TransitivePackageAssemblies(csproj))
                .DistinctBy(reference => reference is PortableExecutableReference { FilePath: { } path } ? Path.GetFileName(path) : reference.Display)
                .ToList();
            var sources = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(File.ReadAllText);
            var assemblyName = AssemblyName().Match(text) is { Success: true } name ? name.Groups[1].Value : Path.GetFileNameWithoutExtension(csproj);
            var compilation = AnalyzerHarness.RunGenerator(AnalyzerHarness.CreateCompilation(sources, assemblyName, references)
                .WithOptions(AnalyzerHarness.CompilationOptions.WithOutputKind(text.Contains("Sdk.Web", StringComparison.Ordinal) || text.Contains("<OutputType>Exe", StringComparison.Ordinal) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)));
            compiled[csproj] = compilation;
            return compilation;
        }

        // The repository's own libraries an example references besides the runtime (e.g. src/Dashboard): their assembly
        // as the solution's build left it (this test project is built with the solution, in the same configuration).
        IEnumerable<MetadataReference> BuiltLibraries(string text, string directory)
        {
            foreach (var match in ProjectReference().Matches(text).Cast<Match>())
            {
                var reference = Path.GetFullPath(Path.Combine(directory, match.Groups[1].Value.Replace('\\', '/')));
                var name = Path.GetFileNameWithoutExtension(reference);
                if (projects.Contains(reference) || name is "TaskFlow" or "TaskFlow.Analyzers" or "TaskFlow.Generators" or "TaskFlow.CodeFixes")
                {
                    continue;
                }

                var built = Path.Combine(Path.GetDirectoryName(reference)!, "bin", AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", name + ".dll");
                File.Exists(built).ShouldBeTrue($"{reference} is referenced by an example but not built at {built}: build the solution first");
                yield return MetadataReference.CreateFromFile(built);
            }
        }

        // Package references flow to the projects that reference a project, as they do in a build.
        IEnumerable<string> Packages(string csproj)
        {
            var text = File.ReadAllText(csproj);
            var directory = Path.GetDirectoryName(csproj)!;
            return PackageReference().Matches(text).Select(match => match.Groups[1].Value)
                .Concat(ProjectReference().Matches(text)
                    .Select(match => Path.GetFullPath(Path.Combine(directory, match.Groups[1].Value.Replace('\\', '/'))))
                    .Where(projects.Contains)
                    .SelectMany(Packages))
                .Distinct(StringComparer.Ordinal);
        }

        foreach (var csproj in projects)
        {
            var compilation = Compile(csproj);
            // CS8795: partial methods that the framework's own generators ([LoggerMessage], [GeneratedRegex]) implement in a build.
            var errors = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error && diagnostic.Id != "CS8795").ToList();
            errors.ShouldBeEmpty(csproj + " does not compile here (a package reference this test does not know?): " + string.Join(Environment.NewLine, errors.Take(5)));
            (await AnalyzerHarness.AnalyzeCompilationAsync(compilation)).Select(AnalyzerHarness.Describe).ShouldBeEmpty(csproj);
        }
    }

    /// <summary>
    /// The compile assemblies of the packages an example gets transitively (e.g. OpenTelemetry.Api under an exporter), from
    /// the restore's <c>obj/project.assets.json</c>; none before the example was restored.
    /// </summary>
    private static List<MetadataReference> TransitivePackageAssemblies(string csproj)
    {
        var assets = Path.Combine(Path.GetDirectoryName(csproj)!, "obj", "project.assets.json");
        var result = new List<MetadataReference>();
        if (!File.Exists(assets))
        {
            return result;
        }

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(assets));
        var root = document.RootElement;
        var folder = root.GetProperty("packageFolders").EnumerateObject().First().Name;
        var libraries = root.GetProperty("libraries");
        foreach (var library in root.GetProperty("targets").EnumerateObject().First().Value.EnumerateObject())
        {
            if (library.Value.GetProperty("type").GetString() != "package" || !library.Value.TryGetProperty("compile", out var compile))
            {
                continue;
            }

            var path = libraries.GetProperty(library.Name).GetProperty("path").GetString()!;
            foreach (var file in compile.EnumerateObject().Where(f => f.Name.EndsWith(".dll", StringComparison.Ordinal)))
            {
                var full = Path.Combine(folder, path, file.Name);
                if (File.Exists(full))
                {
                    result.Add(MetadataReference.CreateFromFile(full));
                }
            }
        }

        return result;
    }

    /// <summary>The compile assemblies of a package an example references, from the local package cache (restored by the build).</summary>
    private static IEnumerable<MetadataReference> PackageAssemblies(string id)
    {
        var versions = System.Xml.Linq.XDocument.Load(Path.Combine(AnalyzerHarness.RepositoryRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(element => (string)element.Attribute("Include")!, element => (string)element.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var lib = Path.Combine(cache, id.ToLowerInvariant(), versions[id].ToLowerInvariant(), "lib");
        var framework = new[] { "net10.0", "net9.0", "net8.0", "net7.0", "net6.0", "netstandard2.1", "netstandard2.0" }
            .Select(tfm => Path.Combine(lib, tfm))
            .FirstOrDefault(Directory.Exists);
        framework.ShouldNotBeNull("package " + id + " " + versions[id] + " is not in " + cache + "; build the examples once to restore it");
        return Directory.GetFiles(framework, "*.dll").Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
    }

    private static List<(string Name, string Text)> SampleFiles(string folder) =>
        new[] { (Name: "Shared.cs", Text: File.ReadAllText(Path.Combine(s_samples, "Shared.cs"))) }
            .Concat(Directory.GetFiles(Path.Combine(s_samples, folder), "*.cs").Order(StringComparer.Ordinal)
                .Select(path => (Name: folder + "/" + Path.GetFileName(path), Text: File.ReadAllText(path))))
            .ToList();

    [GeneratedRegex(@"// expect: (TF\d{4}(?:, TF\d{4})*)")]
    private static partial Regex ExpectMarker();

    [GeneratedRegex(@" // expect: TF\d{4}(?:, TF\d{4})*")]
    private static partial Regex ExpectMarkerWithSpace();

    [GeneratedRegex(@"<ProjectReference\s+Include=""([^""]+\.csproj)""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"<PackageReference\s+Include=""([^""]+)""")]
    private static partial Regex PackageReference();

    [GeneratedRegex(@"<AssemblyName>([^<]+)</AssemblyName>")]
    private static partial Regex AssemblyName();
}
