using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Shouldly;
using TaskFlow.Infrastructure;
using TaskFlow.Analyzers;
using TaskFlow.Generators;
using TaskFlow.TestSupport;

namespace TaskFlow.Analyzers.Tests.Infrastructure;

/// <summary>
/// Builds real compilations (the framework and ASP.NET Core from TRUSTED_PLATFORM_ASSEMBLIES, plus TaskFlow.dll), runs
/// the TaskFlow generator on them as a build does, then runs the analyzers with
/// <c>compilation.WithAnalyzers(...).GetAnalyzerDiagnosticsAsync()</c>.
/// </summary>
internal static class AnalyzerHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        deterministic: true);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>Every analyzer of TaskFlow.Analyzers.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = typeof(DiagnosticIds).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type))
        .OrderBy(type => type.FullName, StringComparer.Ordinal)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    public static string RepositoryRoot => TestEnvironment.RepositoryRoot;

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, string assemblyName = "TestAssembly", IEnumerable<MetadataReference>? extraReferences = null)
    {
        var trees = sources.Select((source, index) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: "/src/Source" + index + ".cs"));
        return CSharpCompilation.Create(assemblyName, trees, References.AddRange(extraReferences ?? Enumerable.Empty<MetadataReference>()), CompilationOptions);
    }

    /// <summary>Runs the generator, then the analyzers, and returns the TF1xxx diagnostics in source order.</summary>
    /// <param name="sources">The documents.</param>
    /// <param name="editorConfig">.editorconfig keys that apply to every document (e.g. taskflow.entity_base_types).</param>
    /// <param name="allowCompilerErrors">Whether the sources may have compile errors (otherwise the test fails on them, so that no test passes by accident on broken code).</param>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(IEnumerable<string> sources, IReadOnlyDictionary<string, string>? editorConfig = null, bool allowCompilerErrors = false)
    {
        var compilation = RunGenerator(CreateCompilation(sources));
        if (!allowCompilerErrors)
        {
            var errors = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToList();
            errors.ShouldBeEmpty(string.Join(Environment.NewLine, errors));
        }

        return await AnalyzeCompilationAsync(compilation, editorConfig);
    }

    public static Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source, IReadOnlyDictionary<string, string>? editorConfig = null) =>
        AnalyzeAsync(new[] { source }, editorConfig);

    public static async Task<ImmutableArray<Diagnostic>> AnalyzeCompilationAsync(Compilation compilation, IReadOnlyDictionary<string, string>? editorConfig = null)
    {
        var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new DictionaryConfigOptionsProvider(editorConfig ?? new Dictionary<string, string>()));
        var withAnalyzers = compilation.WithAnalyzers(AllAnalyzers, new CompilationWithAnalyzersOptions(options, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var failures = diagnostics.Where(diagnostic => diagnostic.Id is "AD0001").ToList();
        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures));
        return diagnostics
            .Where(diagnostic => diagnostic.Id.StartsWith("TF1", StringComparison.Ordinal))
            .OrderBy(diagnostic => diagnostic.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(diagnostic => diagnostic.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    public static Compilation RunGenerator(Compilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new TaskGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        generatorDiagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ShouldBeEmpty();
        return output;
    }

    /// <summary>"TF1001 user": the id and the source text the diagnostic points at, for readable assertions.</summary>
    public static string Describe(Diagnostic diagnostic) =>
        diagnostic.Id + " " + diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);

    public static async Task<string[]> FindAsync(string source, IReadOnlyDictionary<string, string>? editorConfig = null) =>
        (await AnalyzeAsync(source, editorConfig)).Select(Describe).ToArray();

    public static async Task<string[]> FindAsync(string source, string id) =>
        (await AnalyzeAsync(source)).Where(diagnostic => diagnostic.Id == id).Select(Describe).ToArray();

    private static ImmutableArray<MetadataReference> LoadReferences() =>
        // Microsoft.NETCore.App and Microsoft.AspNetCore.App (DI abstractions, HttpContext), and TaskFlow.dll.
        ReferenceAssemblies.InFoldersOf(
                [typeof(object).Assembly, typeof(Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions).Assembly],
                include: [typeof(TaskDescriptor).Assembly])
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    /// <summary>.editorconfig options as analyzers see them (the same keys for every document).</summary>
    private sealed class DictionaryConfigOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly DictionaryConfigOptions _options = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;
    }

    private sealed class DictionaryConfigOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
            values.TryGetValue(key, out value);
    }
}
