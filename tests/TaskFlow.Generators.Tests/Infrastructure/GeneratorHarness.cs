using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using TaskFlow.Infrastructure;
using Microsoft.CodeAnalysis.CSharp;
using Shouldly;
using TaskFlow.TestSupport;

namespace TaskFlow.Generators.Tests.Infrastructure;

/// <summary>Builds real compilations against the framework, TaskFlow and DI abstractions, and runs the generator on them.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    public static CSharpCompilation CreateCompilation(string source, string assemblyName = "TestAssembly", DocumentationMode documentationMode = DocumentationMode.Parse) =>
        CreateCompilation(new[] { source }, assemblyName, documentationMode);

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, string assemblyName = "TestAssembly", DocumentationMode documentationMode = DocumentationMode.Parse)
    {
        var parseOptions = ParseOptions.WithDocumentationMode(documentationMode);
        var trees = sources.Select((source, index) => CSharpSyntaxTree.ParseText(source, parseOptions, path: "Source" + index + ".cs"));
        return CSharpCompilation.Create(
            assemblyName,
            trees,
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true));
    }

    public static GeneratorRun Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new TaskGenerator().AsSourceGenerator() },
            parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult();
        result.Results.Length.ShouldBe(1);
        result.Results[0].Exception.ShouldBeNull();
        return new GeneratorRun(driver, compilation, output, result.Results[0]);
    }

    /// <summary>Runs the generator and asserts that it reported nothing and that the output compiles with no error or warning.</summary>
    public static GeneratorRun RunAndCompile(string source, string assemblyName = "TestAssembly")
    {
        var run = Run(CreateCompilation(source, assemblyName));
        run.ShouldCompileCleanly();
        return run;
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var dependencyInjection = typeof(Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions).Assembly;
        // The framework, and what lies beside DependencyInjection.Abstractions; TaskFlow.dll and DI abstractions themselves.
        return ReferenceAssemblies.InFoldersOf([typeof(object).Assembly, dependencyInjection], include: [typeof(TaskDescriptor).Assembly, dependencyInjection])
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

/// <summary>The outcome of one generator run.</summary>
internal sealed record GeneratorRun(GeneratorDriver Driver, Compilation Input, Compilation Output, GeneratorRunResult Result)
{
    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    public IReadOnlyList<GeneratedSourceResult> Sources =>
        Result.GeneratedSources.OrderBy(source => source.HintName, StringComparer.Ordinal).ToList();

    public string Source(string hintName) =>
        Result.GeneratedSources.Single(source => source.HintName == hintName).SourceText.ToString();

    public IReadOnlyList<string> HintNames => Sources.Select(source => source.HintName).ToList();

    /// <summary>The generator reported nothing, and input plus output compile with no error or warning.</summary>
    public void ShouldCompileCleanly()
    {
        Diagnostics.ShouldBeEmpty(Describe(Diagnostics));
        var problems = Output.GetDiagnostics().Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning).ToList();
        problems.ShouldBeEmpty(Describe(problems) + Environment.NewLine + string.Join(Environment.NewLine, Sources.Select(source => "// " + source.HintName + Environment.NewLine + source.SourceText)));
    }

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(diagnostic => diagnostic.ToString()));
}
