using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

/// <summary>
/// Generates, for every <c>[TaskFlow.Task]</c> method, a typed enqueue proxy on the containing type's nested
/// <c>Client</c> class, a task descriptor with a reflection-free invoker, and one <c>Add{Assembly}Tasks()</c>
/// registration extension per assembly. See <c>docs/generator.md</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TaskGenerator : IIncrementalGenerator
{
    internal const string TaskAttributeMetadataName = "TaskFlow.TaskAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One model per [Task] method: the task (when valid) and its diagnostics. Everything downstream is
        // plain equatable values, so unchanged tasks stay cached.
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TaskAttributeMetadataName,
                predicate: static (node, _) => node is MethodDeclarationSyntax { AttributeLists.Count: > 0 },
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        var diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic()));

        var tasks = parsed
            .SelectMany(static (result, _) => result.Task is null ? ImmutableArray<TaskSpec>.Empty : ImmutableArray.Create(result.Task))
            .WithTrackingName(TrackingNames.Tasks);

        // Duplicate wire names and case-colliding hint names need every task of the compilation. The claims
        // carry locations (for the diagnostics); the facts derived from them do not, so moving code around
        // does not re-emit any task.
        var allClaims = parsed
            .SelectMany(static (result, _) => result.Task is null
                ? ImmutableArray<TaskNameClaim>.Empty
                : ImmutableArray.Create(new TaskNameClaim(
                    result.Task.TaskName,
                    result.Task.MethodDisplay,
                    Emitter.TaskHintName(result.Task),
                    Emitter.ContainerHintName(result.Task.Container),
                    result.Location)))
            .WithTrackingName(TrackingNames.NameClaims)
            .Collect()
            .WithTrackingName(TrackingNames.AllNameClaims);

        var duplicateNameDiagnostics = allClaims
            .Select(static (claims, _) => Parser.FindDuplicateNames(claims))
            .WithTrackingName(TrackingNames.DuplicateNameDiagnostics);
        context.RegisterSourceOutput(duplicateNameDiagnostics, static (context, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics)
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        var facts = allClaims
            .Select(static (claims, _) => Parser.CreateGenerationFacts(claims))
            .WithTrackingName(TrackingNames.GenerationFacts);

        var taskFiles = tasks
            .Combine(facts)
            .WithTrackingName(TrackingNames.TasksWithFacts)
            .SelectMany(static (pair, _) => pair.Right.DuplicateTaskNames.Contains(pair.Left.TaskName)
                ? ImmutableArray<TaskFile>.Empty
                : ImmutableArray.Create(new TaskFile(pair.Right.HintName(Emitter.TaskHintName(pair.Left)), pair.Left)))
            .WithTrackingName(TrackingNames.TaskFiles);
        context.RegisterSourceOutput(taskFiles, static (context, file) =>
            context.AddSource(file.HintName, Emitter.EmitTask(file.Task)));

        var allEmittableTasks = taskFiles
            .Select(static (file, _) => file.Task)
            .WithTrackingName(TrackingNames.EmittableTasks)
            .Collect()
            .WithTrackingName(TrackingNames.AllEmittableTasks);

        // The assembly name is a string, so this stays cached across compilations; never Combine with
        // the Compilation itself.
        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName ?? string.Empty)
            .WithTrackingName(TrackingNames.AssemblyName);

        var containers = allEmittableTasks
            .SelectMany(static (tasks, _) => tasks
                .Select(static task => task.Container)
                .Distinct()
                .OrderBy(static container => container.FullyQualifiedName, System.StringComparer.Ordinal)
                .ToImmutableArray())
            .WithTrackingName(TrackingNames.Containers)
            .Combine(facts)
            .WithTrackingName(TrackingNames.ContainersWithFacts)
            .Combine(assemblyName)
            .WithTrackingName(TrackingNames.ContainersWithAssembly);
        context.RegisterSourceOutput(containers, static (context, input) =>
        {
            var ((container, facts), assemblyName) = input;
            context.AddSource(facts.HintName(Emitter.ContainerHintName(container)), Emitter.EmitContainer(container, assemblyName));
        });

        var registration = allEmittableTasks
            .Select(static (tasks, _) => Emitter.CreateRegistration(tasks))
            .WithTrackingName(TrackingNames.Registration)
            .Combine(assemblyName)
            .WithTrackingName(TrackingNames.RegistrationWithAssembly);
        context.RegisterSourceOutput(registration, static (context, pair) =>
        {
            if (pair.Left.TaskCount > 0)
            {
                context.AddSource(Emitter.RegistrationHintName(pair.Right), Emitter.EmitRegistration(pair.Left, pair.Right));
            }
        });

        // Typed accessors for TaskFlow.Testing's harness, only where the compilation references it (a test project
        // declaring tasks): other compilations get exactly the sources above. A bool, so it stays cached.
        var testingReferenced = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(Emitter.TestHarnessMetadataName) is not null)
            .WithTrackingName(TrackingNames.TestingReferenced);
        var sentAccessors = allEmittableTasks
            .Combine(testingReferenced)
            .Select(static (pair, _) => pair.Right ? pair.Left.ToEquatableArray() : EquatableArray<TaskSpec>.Empty)
            .WithTrackingName(TrackingNames.SentAccessors)
            .Combine(assemblyName)
            .WithTrackingName(TrackingNames.SentAccessorsWithAssembly);
        context.RegisterSourceOutput(sentAccessors, static (context, pair) =>
        {
            if (pair.Left.Count > 0)
            {
                context.AddSource(Emitter.SentAccessorsHintName(pair.Right), Emitter.EmitSentAccessors(pair.Left, pair.Right));
            }
        });
    }
}
