using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Shouldly;
using TaskFlow.Generators;

namespace TaskFlow.Analyzers.Tests.Infrastructure;

/// <summary>One project of a test solution: its name, its documents (file name -> text) and the projects it references.</summary>
internal sealed record TestProject(string Name, IReadOnlyDictionary<string, string> Documents, params string[] References);

/// <summary>
/// Applies code fixes as an IDE does: an <c>AdhocWorkspace</c> whose projects carry the TaskFlow generator as an analyzer
/// reference (so that the generated proxies exist), the analyzers' diagnostics, a <c>CodeFixContext</c>, and the
/// <c>ApplyChangesOperation</c> of the chosen code action. Returns the text of every document afterwards.
/// </summary>
internal static class CodeFixHarness
{
    private static readonly AnalyzerFileReference s_generatorReference =
        new(typeof(TaskGenerator).Assembly.Location, new LoadedAssemblyLoader());

    public static Task<IReadOnlyDictionary<string, string>> ApplyAsync(string source, string diagnosticId, CodeFixProvider provider, int occurrence = 0, string? editorConfig = null) =>
        ApplyAsync(new[] { new TestProject("Tests", new Dictionary<string, string> { ["Tasks.cs"] = source }) }, diagnosticId, provider, occurrence, editorConfig);

    public static async Task<string> ApplySingleAsync(string source, string diagnosticId, CodeFixProvider provider, int occurrence = 0) =>
        (await ApplyAsync(source, diagnosticId, provider, occurrence))["Tasks.cs"];

    public static async Task<IReadOnlyDictionary<string, string>> ApplyAsync(IReadOnlyList<TestProject> projects, string diagnosticId, CodeFixProvider provider, int occurrence = 0, string? editorConfig = null)
    {
        using var workspace = new AdhocWorkspace();
        var solution = CreateSolution(workspace, projects, editorConfig);
        var diagnostics = await DiagnoseAsync(solution);
        var diagnostic = diagnostics.Where(candidate => candidate.Id == diagnosticId).ElementAtOrDefault(occurrence);
        diagnostic.ShouldNotBeNull("no " + diagnosticId + " #" + occurrence + " among: " + string.Join("; ", diagnostics.Select(AnalyzerHarness.Describe)));

        var document = solution.GetDocument(diagnostic.Location.SourceTree).ShouldNotBeNull();
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        actions.Count.ShouldBe(1, "code actions offered for " + AnalyzerHarness.Describe(diagnostic));

        var operations = await actions[0].GetOperationsAsync(CancellationToken.None);
        var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var changedDocument in changed.Projects.SelectMany(project => project.Documents))
        {
            texts[changedDocument.Name] = (await changedDocument.GetTextAsync()).ToString();
        }

        return texts;
    }

    /// <summary>The code actions offered for the first <paramref name="diagnosticId"/> (to prove that none is).</summary>
    public static async Task<IReadOnlyList<CodeAction>> OfferedAsync(string source, string diagnosticId, CodeFixProvider provider)
    {
        using var workspace = new AdhocWorkspace();
        var solution = CreateSolution(workspace, new[] { new TestProject("Tests", new Dictionary<string, string> { ["Tasks.cs"] = source }) }, null);
        var diagnostic = (await DiagnoseAsync(solution)).First(candidate => candidate.Id == diagnosticId);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(solution.GetDocument(diagnostic.Location.SourceTree)!, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        return actions;
    }

    /// <summary>Diagnoses a workspace solution, with the options the workspace builds from its .editorconfig.</summary>
    public static async Task<ImmutableArray<Diagnostic>> DiagnoseAsync(IReadOnlyList<TestProject> projects, string? editorConfig)
    {
        using var workspace = new AdhocWorkspace();
        return await DiagnoseAsync(CreateSolution(workspace, projects, editorConfig));
    }

    private static async Task<ImmutableArray<Diagnostic>> DiagnoseAsync(Solution solution)
    {
        var all = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var project in solution.Projects)
        {
            var compilation = (await project.GetCompilationAsync()).ShouldNotBeNull();
            var errors = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToList();
            errors.ShouldBeEmpty(string.Join(Environment.NewLine, errors));
            var diagnostics = await compilation.WithAnalyzers(AnalyzerHarness.AllAnalyzers, project.AnalyzerOptions).GetAnalyzerDiagnosticsAsync();
            diagnostics.Where(diagnostic => diagnostic.Id == "AD0001").ShouldBeEmpty();
            all.AddRange(diagnostics.Where(diagnostic => diagnostic.Id.StartsWith("TF1", StringComparison.Ordinal))
                .OrderBy(diagnostic => diagnostic.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(diagnostic => diagnostic.Location.SourceSpan.Start));
        }

        return all.ToImmutable();
    }

    private static Solution CreateSolution(AdhocWorkspace workspace, IReadOnlyList<TestProject> projects, string? editorConfig)
    {
        var solution = workspace.CurrentSolution;
        var ids = projects.ToDictionary(project => project.Name, project => ProjectId.CreateNewId(project.Name), StringComparer.Ordinal);
        foreach (var project in projects)
        {
            var id = ids[project.Name];
            solution = solution.AddProject(ProjectInfo.Create(
                id,
                VersionStamp.Create(),
                project.Name,
                project.Name,
                LanguageNames.CSharp,
                filePath: "/src/" + project.Name + "/" + project.Name + ".csproj",
                compilationOptions: AnalyzerHarness.CompilationOptions,
                parseOptions: AnalyzerHarness.ParseOptions,
                metadataReferences: AnalyzerHarness.References,
                projectReferences: project.References.Select(reference => new ProjectReference(ids[reference])),
                analyzerReferences: new[] { s_generatorReference }));
            foreach (var (name, text) in project.Documents)
            {
                solution = solution.AddDocument(DocumentId.CreateNewId(id, name), name, SourceText.From(text), filePath: "/src/" + project.Name + "/" + name);
            }

            if (editorConfig is not null)
            {
                solution = solution.AddAnalyzerConfigDocument(
                    DocumentId.CreateNewId(id, ".editorconfig"),
                    ".editorconfig",
                    SourceText.From("root = true\n\n[*.cs]\n" + editorConfig + "\n"),
                    filePath: "/src/" + project.Name + "/.editorconfig");
            }
        }

        workspace.TryApplyChanges(solution).ShouldBeTrue();
        return workspace.CurrentSolution;
    }

    /// <summary>Hands the already loaded generator assembly to the workspace.</summary>
    private sealed class LoadedAssemblyLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) =>
            string.Equals(fullPath, typeof(TaskGenerator).Assembly.Location, StringComparison.Ordinal)
                ? typeof(TaskGenerator).Assembly
                : Assembly.LoadFrom(fullPath);
    }
}
