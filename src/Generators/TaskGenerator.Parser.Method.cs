using System.Linq;
using Microsoft.CodeAnalysis;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>TF0010: why the invoker cannot call the method, or <c>null</c>.</summary>
        private static string? DescribeWhyNotInvocable(IMethodSymbol method, INamedTypeSymbol container)
        {
            if (method.MethodKind == MethodKind.ExplicitInterfaceImplementation)
            {
                return "explicit interface implementations cannot be called by name; declare the task as an ordinary method";
            }

            if (method.IsAbstract)
            {
                return "the method is abstract";
            }

            if (method.IsStatic)
            {
                return null;
            }

            if (container.TypeKind == TypeKind.Interface)
            {
                return "it is an instance method of an interface; make it static or declare it in a class";
            }

            if (container.IsAbstract)
            {
                return "it is an instance method of an abstract class, which cannot be resolved from DI; make it static or declare it in a non-abstract class";
            }

            if (container.IsValueType)
            {
                return "it is an instance method of a struct; the containers of instance tasks are registered as scoped services, which must be classes; make it static or declare it in a class";
            }

            return null;
        }

        /// <summary>How the invoker awaits and stores the result, or the problem (TF0004).</summary>
        private static (ReturnKind Kind, ITypeSymbol? ResultType, string? Problem) ClassifyReturn(IMethodSymbol method)
        {
            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                return (ReturnKind.Void, null, "ref returns cannot be stored as a task result");
            }

            if (method.ReturnsVoid)
            {
                return method.IsAsync
                    ? (ReturnKind.Void, null, "async void methods cannot be awaited; return Task")
                    : (ReturnKind.Void, null, null);
            }

            var type = method.ReturnType;
            if (type is INamedTypeSymbol named && TypeNames.IsInNamespace(named, "System.Threading.Tasks"))
            {
                switch (named.OriginalDefinition.MetadataName)
                {
                    case "Task":
                        return (ReturnKind.Task, null, null);
                    case "Task`1":
                        return (ReturnKind.TaskOfT, named.TypeArguments[0], null);
                    case "ValueTask":
                        return (ReturnKind.ValueTask, null, null);
                    case "ValueTask`1":
                        return (ReturnKind.ValueTaskOfT, named.TypeArguments[0], null);
                }
            }

            if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
            {
                return (ReturnKind.Void, null, "pointers cannot be stored as a task result");
            }

            if (type.IsRefLikeType)
            {
                return (ReturnKind.Void, null, "ref structs cannot be stored as a task result");
            }

            if (TypeNames.IsType(type, "System.Collections.Generic", "IAsyncEnumerable`1") || TypeNames.IsType(type, "System.Collections.Generic", "IAsyncEnumerator`1"))
            {
                return (ReturnKind.Void, null, "async streams are not supported; return Task<T> with a collection");
            }

            if (HasGetAwaiter(type))
            {
                return (ReturnKind.Void, null, "awaitable types other than Task and ValueTask are not supported");
            }

            return (ReturnKind.Value, type, null);
        }

        private static bool HasGetAwaiter(ITypeSymbol type)
        {
            static bool Declares(ITypeSymbol candidate) =>
                candidate.GetMembers("GetAwaiter").Any(static member => member is IMethodSymbol { IsStatic: false, Parameters.Length: 0, IsGenericMethod: false });

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (Declares(current))
                {
                    return true;
                }
            }

            return type.AllInterfaces.Any(Declares);
        }
    }
}
