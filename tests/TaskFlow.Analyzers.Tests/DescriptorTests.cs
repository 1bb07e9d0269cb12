using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using TaskFlow.CodeFixes;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>Every rule has an id constant, a release-tracking entry, a help link and its page; every fix targets a real rule.</summary>
public sealed class DescriptorTests
{
    private static readonly DiagnosticDescriptor[] s_descriptors = AnalyzerHarness.AllAnalyzers
        .SelectMany(analyzer => analyzer.SupportedDiagnostics)
        .OrderBy(descriptor => descriptor.Id, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Ids_are_TF1001_and_up_without_gaps_and_each_is_supported_once()
    {
        var ids = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(field => (string)field.GetValue(null)!).Order(StringComparer.Ordinal).ToArray();
        ids.ShouldBe(Enumerable.Range(1001, ids.Length).Select(number => "TF" + number).ToArray());
        s_descriptors.Select(descriptor => descriptor.Id).ShouldBe(ids);
    }

    [Fact]
    public void Each_rule_has_a_help_page_a_release_entry_and_the_documented_severity()
    {
        var unshipped = File.ReadAllText(Path.Combine(AnalyzerHarness.RepositoryRoot, "src/Analyzers/AnalyzerReleases.Unshipped.md"));
        var index = File.ReadAllText(Path.Combine(AnalyzerHarness.RepositoryRoot, "docs/analyzers/README.md"));
        foreach (var descriptor in s_descriptors)
        {
            descriptor.HelpLinkUri.ShouldBe("https://github.com/taskflow-dotnet/taskflow/blob/main/docs/analyzers/" + descriptor.Id + ".md");
            descriptor.IsEnabledByDefault.ShouldBeTrue();
            descriptor.Category.ShouldStartWith("TaskFlow.");
            var title = descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture);
            unshipped.ShouldContain(descriptor.Id + " | " + descriptor.Category + " | " + descriptor.DefaultSeverity + " | " + title);

            var page = Path.Combine(AnalyzerHarness.RepositoryRoot, "docs/analyzers/" + descriptor.Id + ".md");
            File.Exists(page).ShouldBeTrue(page);
            var text = File.ReadAllText(page);
            text.ShouldStartWith("# " + descriptor.Id + ": " + title);
            text.ShouldContain("| Severity | " + descriptor.DefaultSeverity + " |");
            text.ShouldContain("| Category | " + descriptor.Category + " |");
            text.ShouldContain("## Before");
            text.ShouldContain("## After");
            index.ShouldContain("[" + descriptor.Id + "](" + descriptor.Id + ".md)");
        }

        s_descriptors.Single(descriptor => descriptor.Id == "TF1002").DefaultSeverity.ShouldBe(DiagnosticSeverity.Error);
    }

    [Fact]
    public void Code_fixes_are_exported_and_fix_existing_rules()
    {
        var providers = typeof(UseEntityKeyCodeFixProvider).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(type))
            .ToList();
        providers.Count.ShouldBe(3);
        foreach (var type in providers)
        {
            type.GetCustomAttribute<ExportCodeFixProviderAttribute>().ShouldNotBeNull(type.Name);
            var provider = (CodeFixProvider)Activator.CreateInstance(type)!;
            provider.FixableDiagnosticIds.ShouldAllBe(id => s_descriptors.Any(descriptor => descriptor.Id == id));
        }
    }

    [Fact]
    public void The_analyzer_assembly_does_not_reference_workspaces()
    {
        // RS1038: the command-line compiler loads analyzers without Microsoft.CodeAnalysis.Workspaces.
        typeof(DiagnosticIds).Assembly.GetReferencedAssemblies().Select(name => name.Name)
            .ShouldNotContain(name => name!.StartsWith("Microsoft.CodeAnalysis.Workspaces", StringComparison.Ordinal) || name!.StartsWith("Microsoft.CodeAnalysis.CSharp.Workspaces", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_FromServices_fix_marks_the_parameter()
    {
        const string before = """
            using System.IO;
            using TaskFlow;

            public static partial class T
            {
                [Task]
                public static void Run(int id, Stream archive) { }
            }
            """;

        (await CodeFixHarness.ApplySingleAsync(before, "TF1009", new FromServicesCodeFixProvider()))
            .ShouldBe(before.Replace("Stream archive", "[FromServices] Stream archive", StringComparison.Ordinal));
    }
}
