using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// The runtime's one-way dependencies, checked on its source with Roslyn's semantic model: the core references
/// neither RabbitMQ.Client nor the state store (nor Dapper); the RabbitMQ transport and the state store do not
/// reference each other; periodic tasks (<c>TaskFlow.Scheduling</c>) reach the store only through their seam, which the
/// store implements (the store may reference them, they may not reference the store, the transport or the drivers); an <c>X.Internal</c> namespace is used only inside <c>X</c>; and each folder holds its own
/// layer's namespaces. The checker is run on planted violations too, so that it cannot pass by seeing nothing.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string RuntimeDirectory = Path.Combine(TestEnvironment.RepositoryRoot, "src", "Runtime");

    private static readonly CSharpParseOptions Parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);

    [Fact]
    public void The_runtime_keeps_its_dependencies_one_way()
    {
        var violations = Check(RuntimeTrees());

        violations.ShouldBeEmpty();
    }

    [Fact]
    public void Every_folder_holds_its_own_layers_namespaces()
    {
        var problems = new List<string>();
        foreach (var tree in RuntimeTrees())
        {
            var relative = Path.GetRelativePath(RuntimeDirectory, tree.FilePath).Replace('\\', '/');
            var folder = relative.Split('/')[0];
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            {
                var layer = LayerOf(declaration.Name.ToString());
                var expected = folder switch
                {
                    "Core" or "Hosting" => Layer.Core,
                    "RabbitMq" => Layer.RabbitMq,
                    "State" => Layer.State,
                    "Scheduling" => Layer.Scheduling,
                    _ => Layer.Outside,
                };
                if (layer != expected)
                {
                    problems.Add($"{relative}: namespace {declaration.Name} is not of the {expected} layer its folder holds");
                }
            }
        }

        problems.ShouldBeEmpty();
    }

    [Fact]
    public void The_check_finds_a_forbidden_reference_when_one_is_added()
    {
        var planted = CSharpSyntaxTree.ParseText(
            """
            namespace TaskFlow.Core
            {
                internal sealed class PlantedCoreLeak
                {
                    public RabbitMQ.Client.IChannel? Channel;
                    public TaskFlow.State.TaskStateStore? Store;
                }
            }

            namespace TaskFlow.RabbitMq
            {
                internal sealed class PlantedTransportLeak
                {
                    public TaskFlow.Core.Internal.TaskExecutor? Executor;
                    public TaskFlow.State.Internal.StateRecorder? Recorder;
                }
            }

            namespace TaskFlow.State
            {
                internal sealed class PlantedStateLeak
                {
                    public TaskFlow.RabbitMq.Internal.RabbitMqSender? Sender;
                    public TaskFlow.Scheduling.Internal.FirePlanner? Planner;
                }
            }

            namespace TaskFlow.Scheduling
            {
                internal sealed class PlantedSchedulingLeak
                {
                    public TaskFlow.State.TaskStateStore? Store;
                    public RabbitMQ.Client.IChannel? Channel;
                }
            }

            namespace TaskFlow.Core
            {
                internal sealed class PlantedCoreSchedulingLeak
                {
                    public TaskFlow.Scheduling.ScheduleDefinition? Definition;
                }
            }
            """,
            Parse,
            path: Path.Combine(RuntimeDirectory, "Core", "Planted.cs"));

        var violations = Check(RuntimeTrees().Append(planted));

        violations.Where(v => v.Contains("Planted", StringComparison.Ordinal)).ShouldBe(
        [
            "PlantedCoreLeak (TaskFlow.Core) references RabbitMQ.Client.IChannel: the core must not reference RabbitMQ.Client",
            "PlantedCoreLeak (TaskFlow.Core) references TaskFlow.State.TaskStateStore: the core must not reference the state store",
            "PlantedTransportLeak (TaskFlow.RabbitMq) references TaskFlow.Core.Internal.TaskExecutor: TaskFlow.Core.Internal is used only inside TaskFlow.Core",
            "PlantedTransportLeak (TaskFlow.RabbitMq) references TaskFlow.State.Internal.StateRecorder: TaskFlow.State.Internal is used only inside TaskFlow.State",
            "PlantedTransportLeak (TaskFlow.RabbitMq) references TaskFlow.State.Internal.StateRecorder: the RabbitMQ transport must not reference the state store",
            "PlantedStateLeak (TaskFlow.State) references TaskFlow.RabbitMq.Internal.RabbitMqSender: TaskFlow.RabbitMq.Internal is used only inside TaskFlow.RabbitMq",
            "PlantedStateLeak (TaskFlow.State) references TaskFlow.RabbitMq.Internal.RabbitMqSender: the state store must not reference the RabbitMQ transport",
            "PlantedStateLeak (TaskFlow.State) references TaskFlow.Scheduling.Internal.FirePlanner: TaskFlow.Scheduling.Internal is used only inside TaskFlow.Scheduling",
            "PlantedSchedulingLeak (TaskFlow.Scheduling) references TaskFlow.State.TaskStateStore: periodic tasks must not reference the state store (they reach it through IScheduleStore)",
            "PlantedSchedulingLeak (TaskFlow.Scheduling) references RabbitMQ.Client.IChannel: periodic tasks must not reference RabbitMQ.Client",
            "PlantedCoreSchedulingLeak (TaskFlow.Core) references TaskFlow.Scheduling.ScheduleDefinition: the core must not reference periodic tasks",
        ], ignoreOrder: true);
    }

    private enum Layer
    {
        Core,
        RabbitMq,
        State,
        Scheduling,
        Outside,
    }

    private static Layer LayerOf(string ns) =>
        ns == "TaskFlow.RabbitMq" || ns.StartsWith("TaskFlow.RabbitMq.", StringComparison.Ordinal) ? Layer.RabbitMq
        : ns == "TaskFlow.State" || ns.StartsWith("TaskFlow.State.", StringComparison.Ordinal) ? Layer.State
        : ns == "TaskFlow.Scheduling" || ns.StartsWith("TaskFlow.Scheduling.", StringComparison.Ordinal) ? Layer.Scheduling
        : ns == "TaskFlow" || ns.StartsWith("TaskFlow.", StringComparison.Ordinal) ? Layer.Core
        : Layer.Outside;

    private static List<SyntaxTree> RuntimeTrees() =>
        Directory.EnumerateFiles(RuntimeDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), Parse, path))
            .ToList();

    private static List<string> Check(IEnumerable<SyntaxTree> trees)
    {
        var compilation = CSharpCompilation.Create("TaskFlow", trees, References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var type in tree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
            {
                if (type.Parent is BaseTypeDeclarationSyntax)
                {
                    continue; // nested types are checked with their outer type
                }

                var from = model.GetDeclaredSymbol(type)!.ContainingNamespace.ToDisplayString();
                foreach (var name in type.DescendantNodes().OfType<SimpleNameSyntax>())
                {
                    var referenced = Referenced(model.GetSymbolInfo(name));
                    if (referenced is not null)
                    {
                        foreach (var problem in Problems(from, referenced))
                        {
                            violations.Add($"{type.Identifier.Text} ({from}) references {referenced.ToDisplayString()}: {problem}");
                        }
                    }
                }
            }
        }

        return violations.ToList();
    }

    private static INamedTypeSymbol? Referenced(SymbolInfo info)
    {
        var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        return symbol switch
        {
            INamedTypeSymbol named => named.OriginalDefinition,
            IMethodSymbol { MethodKind: MethodKind.ReducedExtension } extension => extension.ReducedFrom?.ContainingType,
            null or INamespaceSymbol or ITypeParameterSymbol or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or IDiscardSymbol => null,
            _ => symbol.ContainingType?.OriginalDefinition,
        };
    }

    private static IEnumerable<string> Problems(string from, INamedTypeSymbol referenced)
    {
        var ns = referenced.ContainingNamespace.ToDisplayString();
        var layer = LayerOf(from);
        var target = LayerOf(ns);
        var internalOwner = ns.EndsWith(".Internal", StringComparison.Ordinal) ? ns[..^".Internal".Length] : null;
        if (target != Layer.Outside && internalOwner is not null && from != internalOwner && !from.StartsWith(internalOwner + ".", StringComparison.Ordinal))
        {
            yield return $"{ns} is used only inside {internalOwner}";
        }

        var rabbitClient = ns == "RabbitMQ.Client" || ns.StartsWith("RabbitMQ.Client.", StringComparison.Ordinal);
        var dapper = ns == "Dapper";
        switch (layer)
        {
            case Layer.Core when rabbitClient:
                yield return "the core must not reference RabbitMQ.Client";
                break;
            case Layer.Core when dapper:
                yield return "the core must not reference Dapper";
                break;
            case Layer.Core when target == Layer.RabbitMq:
                yield return "the core must not reference the RabbitMQ transport";
                break;
            case Layer.Core when target == Layer.State:
                yield return "the core must not reference the state store";
                break;
            case Layer.Core when target == Layer.Scheduling:
                yield return "the core must not reference periodic tasks";
                break;
            case Layer.Scheduling when target == Layer.State || dapper:
                yield return "periodic tasks must not reference the state store (they reach it through IScheduleStore)";
                break;
            case Layer.Scheduling when target == Layer.RabbitMq:
                yield return "periodic tasks must not reference the RabbitMQ transport";
                break;
            case Layer.Scheduling when rabbitClient:
                yield return "periodic tasks must not reference RabbitMQ.Client";
                break;
            case Layer.RabbitMq when target == Layer.State || dapper:
                yield return "the RabbitMQ transport must not reference the state store";
                break;
            case Layer.RabbitMq when target == Layer.Scheduling:
                yield return "the RabbitMQ transport must not reference periodic tasks";
                break;
            case Layer.State when target == Layer.RabbitMq || rabbitClient:
                yield return "the state store must not reference the RabbitMQ transport";
                break;
        }
    }

    /// <summary>The runtime's dependencies: the platform and the dlls of this bin folder, not TaskFlow's own (compiled here from source).</summary>
    private static IEnumerable<MetadataReference> References() =>
        ReferenceAssemblies.PlatformAndFolder(AppContext.BaseDirectory, path => !Path.GetFileName(path).StartsWith("TaskFlow", StringComparison.Ordinal))
            .Select(path => MetadataReference.CreateFromFile(path));
}
