using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskFlow.Analyzers;

/// <summary>How the worker supplies a task parameter.</summary>
internal enum TaskParameterKind
{
    /// <summary>A message argument, serialized by the sender.</summary>
    Argument,

    /// <summary>The task's cancellation token.</summary>
    CancellationToken,

    /// <summary>The <c>TaskContext</c>.</summary>
    Context,

    /// <summary>Resolved from the task's DI scope.</summary>
    Service,
}

/// <summary>
/// The generator's parameter classification (docs/generator.md, "Parameter classification";
/// <c>TaskGenerator.Parser.Classify</c>), the first matching rule wins:
/// 1. <c>CancellationToken</c>; 2. <c>TaskFlow.TaskContext</c>; 3. <c>[FromServices]</c>; 4. an interface or abstract
/// class other than the collection interfaces of System.Collections.Generic: a service; 5. anything else: a message
/// argument. Kept in step with the generator by a test that classifies the same parameters with both.
/// </summary>
internal static class TaskParameterClassifier
{
    private static readonly ImmutableHashSet<string> s_collectionInterfaces = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "IEnumerable`1",
        "IReadOnlyList`1",
        "IList`1",
        "ICollection`1",
        "IReadOnlyCollection`1",
        "IDictionary`2",
        "IReadOnlyDictionary`2",
        "ISet`1",
        "IReadOnlySet`1");

    public static TaskParameterKind Classify(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        if (IsType(type, "System.Threading", "CancellationToken"))
        {
            return TaskParameterKind.CancellationToken;
        }

        if (IsType(type, "TaskFlow", "TaskContext"))
        {
            return TaskParameterKind.Context;
        }

        if (HasFromServices(parameter))
        {
            return TaskParameterKind.Service;
        }

        return IsImplicitService(type) ? TaskParameterKind.Service : TaskParameterKind.Argument;
    }

    /// <summary>Rule 3: the parameter is marked <c>[TaskFlow.FromServices]</c>.</summary>
    public static bool HasFromServices(IParameterSymbol parameter) =>
        parameter.GetAttributes().Any(static attribute => attribute.AttributeClass is { } attributeClass && IsType(attributeClass, "TaskFlow", "FromServicesAttribute"));

    /// <summary>Rule 4: an interface or abstract class that is not a collection interface.</summary>
    public static bool IsImplicitService(ITypeSymbol type) =>
        (type.TypeKind == TypeKind.Interface || (type.TypeKind == TypeKind.Class && type.IsAbstract)) && !IsCollectionInterface(type);

    public static bool IsCollectionInterface(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Interface, IsGenericType: true } named
        && s_collectionInterfaces.Contains(named.OriginalDefinition.MetadataName)
        && IsInNamespace(named, "System.Collections.Generic");

    public static bool IsType(ITypeSymbol type, string @namespace, string metadataName) =>
        type.OriginalDefinition.MetadataName == metadataName && type.ContainingType is null && IsInNamespace(type, @namespace);

    public static bool IsInNamespace(ISymbol symbol, string @namespace)
    {
        var current = symbol.ContainingNamespace;
        var segments = @namespace.Split('.');
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            if (current is null || current.IsGlobalNamespace || current.Name != segments[i])
            {
                return false;
            }

            current = current.ContainingNamespace;
        }

        return current is null || current.IsGlobalNamespace;
    }
}
