using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TaskFlow.Shared;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1001: a task message argument whose type is an entity (or a collection of entities). TF1008: an entity passed
/// to a generated proxy's <c>DelayAsync</c>/<c>ApplyAsync</c> where a member of it (its key) should be. Entities are
/// recognized by <see cref="EntityDetector"/>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EntityArgumentAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.EntityParameter, DiagnosticDescriptors.EntityPassedWhenEnqueueing);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            var detector = new EntityDetector(start.Compilation, start.Options.AnalyzerConfigOptionsProvider);
            start.RegisterSymbolAction(context => AnalyzeTaskMethod(context, symbols, detector), SymbolKind.Method);
            start.RegisterOperationAction(context => AnalyzeInvocation(context, symbols, detector), OperationKind.Invocation);
        });
    }

    private static void AnalyzeTaskMethod(SymbolAnalysisContext context, TaskFlowSymbols symbols, EntityDetector detector)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!symbols.IsTaskMethod(method))
        {
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            if (parameter.Locations.FirstOrDefault() is not { IsInSource: true } location
                || TaskParameterRules.Classify(parameter) != TaskParameterKind.Argument)
            {
                continue;
            }

            var entity = detector.Detect(parameter.Type, location.SourceTree);
            var hint = entity is null ? null : KeyHint(entity, parameter.Name, keyOf: null);
            if (entity is null)
            {
                entity = detector.DetectElement(parameter.Type, location.SourceTree);
                hint = entity is null ? null : "the keys of the " + entity.Type.Name + " entities";
            }

            if (entity is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.EntityParameter,
                    location,
                    FixProperties(entity, parameter.Type),
                    parameter.Name,
                    method.ContainingType.Name + "." + method.Name,
                    entity.Type.Name,
                    entity.Reason,
                    hint));
            }
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, TaskFlowSymbols symbols, EntityDetector detector)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var taskName = EnqueueProxy.TaskMethodName(invocation.TargetMethod, symbols);
        if (taskName is null)
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Parameter is null || !EnqueueProxy.IsArgumentParameter(argument.Parameter, symbols))
            {
                continue;
            }

            var value = argument.Value;
            while (value is IConversionOperation { IsImplicit: true } conversion)
            {
                value = conversion.Operand;
            }

            var tree = argument.Syntax.SyntaxTree;
            var entity = detector.Detect(value.Type, tree);
            var hint = entity is null ? null : KeyHint(entity, parameterName: null, keyOf: value.Syntax.ToString());
            if (entity is null)
            {
                entity = detector.DetectElement(value.Type, tree);
                hint = entity is null ? null : "the keys of the " + entity.Type.Name + " entities";
            }

            if (entity is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.EntityPassedWhenEnqueueing,
                    value.Syntax.GetLocation(),
                    FixProperties(entity, value.Type!),
                    argument.Parameter.Name,
                    taskName + "." + invocation.TargetMethod.Name,
                    entity.Type.Name,
                    entity.Reason,
                    hint));
            }
        }
    }

    /// <summary>"its key ('int userId')" at a declaration, "its key ('user.Id')" at a call site.</summary>
    private static string KeyHint(EntityInfo entity, string? parameterName, string? keyOf)
    {
        if (entity.SingleKey is { } key)
        {
            return keyOf is not null
                ? "its key ('" + keyOf + "." + key.Name + "')"
                : "its key ('" + key.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " " + EntityDetector.KeyParameterName(parameterName!, entity.Type, key) + "')";
        }

        return entity.Keys.Length > 1
            ? "its key values ('" + string.Join("', '", entity.Keys.Select(static property => property.Name)) + "')"
            : "its key";
    }

    /// <summary>The code fix handles a single entity (not a collection) with a single key.</summary>
    private static ImmutableDictionary<string, string?> FixProperties(EntityInfo entity, ITypeSymbol passedType) =>
        entity.SingleKey is { } key && SymbolEqualityComparer.Default.Equals(entity.Type, passedType.WithNullableAnnotation(NullableAnnotation.NotAnnotated))
            ? ImmutableDictionary<string, string?>.Empty.Add(EntityDetector.KeyPropertyName, key.Name)
            : ImmutableDictionary<string, string?>.Empty;
}
