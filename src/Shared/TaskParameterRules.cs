using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskFlow.Shared;

/// <summary>
/// The rules for the parameters of a <c>[Task]</c> method, written once for the generator and the analyzers (this
/// file is compiled into both; docs/generator.md, "Parameter classification"). <see cref="Classify"/>: the first
/// matching rule wins: 1. <c>CancellationToken</c>; 2. <c>TaskFlow.TaskContext</c>; 3. <c>[FromServices]</c>;
/// 4. an interface or abstract class other than the collection interfaces of System.Collections.Generic: a service;
/// 5. anything else: a message argument. <see cref="DescribeUnsupported"/>: the parameters a task cannot have (TF0003).
/// </summary>
internal static class TaskParameterRules
{
    /// <summary>The generic collection interfaces (System.Collections.Generic) that are arguments, not services (rule 4).</summary>
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

    /// <summary>Where the worker gets the parameter's value from.</summary>
    public static TaskParameterKind Classify(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        if (TypeNames.IsType(type, "System.Threading", "CancellationToken"))
        {
            return TaskParameterKind.CancellationToken;
        }

        if (TypeNames.IsType(type, "TaskFlow", "TaskContext"))
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
        parameter.GetAttributes().Any(static attribute => attribute.AttributeClass is { } attributeClass && TypeNames.IsType(attributeClass, "TaskFlow", "FromServicesAttribute"));

    /// <summary>Rule 4: an interface or abstract class that is not a collection interface.</summary>
    public static bool IsImplicitService(ITypeSymbol type) =>
        (type.TypeKind == TypeKind.Interface || (type.TypeKind == TypeKind.Class && type.IsAbstract)) && !IsCollectionInterface(type);

    /// <summary>One of the generic collection interfaces of System.Collections.Generic (<c>IEnumerable&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c>...).</summary>
    public static bool IsCollectionInterface(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Interface, IsGenericType: true } named
        && s_collectionInterfaces.Contains(named.OriginalDefinition.MetadataName)
        && TypeNames.IsInNamespace(named, "System.Collections.Generic");

    /// <summary>
    /// Why a task cannot have this parameter (TF0003: ref/out/in, pointers, ref structs), or <c>null</c> when it can.
    /// The analyzers leave such parameters to the generator.
    /// </summary>
    public static string? DescribeUnsupported(IParameterSymbol parameter)
    {
        switch (parameter.RefKind)
        {
            case RefKind.None:
                break;
            case RefKind.Ref:
                return "ref parameters cannot be sent in a message";
            case RefKind.Out:
                return "out parameters cannot be sent in a message";
            case RefKind.In:
                return "in parameters cannot be sent in a message; pass the value";
            default:
                return "ref readonly parameters cannot be sent in a message; pass the value";
        }

        var type = parameter.Type;
        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "pointers cannot be sent in a message or resolved from DI";
        }

        if (type.IsRefLikeType)
        {
            return "ref struct types such as Span<T> cannot be sent in a message or resolved from DI; use an array or ReadOnlyMemory<T>";
        }

        return null;
    }
}
