using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        private const string ClientName = "Client";

        /// <summary>Names the generator puts in every Client class besides the per-task members.</summary>
        private static readonly ImmutableArray<string> s_clientOwnMembers = ImmutableArray.Create("_client");

        /// <summary>TF0001: every declaration of the type is <c>partial</c>, so the generator can add its Client class.</summary>
        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.DeclaringSyntaxReferences.Length == 0)
            {
                return false;
            }

            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>TF0011: the type has a member named <c>Client</c> other than a <c>partial class Client</c> that extends the generated one.</summary>
        private static bool HasConflictingClientMember(INamedTypeSymbol container, CancellationToken cancellationToken)
        {
            foreach (var member in container.GetMembers(ClientName))
            {
                // A 'partial class Client' written to extend the generated one is fine.
                if (member is INamedTypeSymbol { TypeKind: TypeKind.Class, Arity: 0, IsRecord: false, IsStatic: false } type && IsPartial(type, cancellationToken))
                {
                    continue;
                }

                return true;
            }

            return false;
        }

        /// <summary>Whether a base type has (or gets from this generator) a <c>Client</c>, so the generated one needs <c>new</c>.</summary>
        private static bool ClientHidesInheritedMember(INamedTypeSymbol container)
        {
            for (var type = container.BaseType; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
            {
                // A base type declared in this compilation gets its Client from this generator, which its symbol does not show yet.
                if (!type.GetMembers(ClientName).IsEmpty || type.GetMembers().OfType<IMethodSymbol>().Any(IsTask))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>TF0007: why a containing type cannot be reached from the generated registration, or <c>null</c>.</summary>
        private static string? DescribeInaccessibility(INamedTypeSymbol type)
        {
            if (type.IsFileLocal)
            {
                return "file-local";
            }

            return type.DeclaredAccessibility switch
            {
                Accessibility.Private => "private",
                Accessibility.Protected => "protected",
                Accessibility.ProtectedAndInternal => "private protected",
                _ => null,
            };
        }

        /// <summary>TF0009: another task of the type, or the Client class itself, generates a member with one of this task's member names.</summary>
        private static (string Other, string Member)? FindGeneratedMemberClash(IMethodSymbol method, INamedTypeSymbol container)
        {
            var own = GeneratedMemberNames(method.Name);
            foreach (var reserved in s_clientOwnMembers)
            {
                if (own.Contains(reserved))
                {
                    return ("the Client class's own field", reserved);
                }
            }

            var others = container.GetMembers()
                .OfType<IMethodSymbol>()
                .Where(other => !SymbolEqualityComparer.Default.Equals(other, method) && IsTask(other))
                .Select(static other => (Display: other.ToDisplayString(s_methodDisplayFormat), Names: GeneratedMemberNames(other.Name)))
                .OrderBy(static other => other.Display, StringComparer.Ordinal);
            foreach (var other in others)
            {
                var shared = own.Where(other.Names.Contains).OrderBy(static name => name, StringComparer.Ordinal).FirstOrDefault();
                if (shared is not null)
                {
                    return ("task method '" + other.Display + "'", shared);
                }
            }

            return null;
        }

        /// <summary>The members of the Client class generated for a task method (see the emitter).</summary>
        internal static ImmutableArray<string> GeneratedMemberNames(string methodName) => ImmutableArray.Create(
            methodName,
            methodName + "Proxy",
            methodName + "Arguments",
            methodName + "Descriptor",
            "Invoke" + methodName);

        private static bool IsTask(IMethodSymbol method) =>
            method.GetAttributes().Any(static attribute => attribute.AttributeClass is { } attributeClass && TypeNames.IsType(attributeClass, "TaskFlow", "TaskAttribute"));

        /// <summary>The container spec: the namespace and the chain of types to reopen as partial.</summary>
        private static ContainerSpec CreateContainer(INamedTypeSymbol container, List<INamedTypeSymbol> chain)
        {
            var types = chain.Select(static type => new TypeDeclarationSpec(DeclarationKind(type), type.Name)).ToEquatableArray();
            return new ContainerSpec(
                container.ContainingNamespace.IsGlobalNamespace ? string.Empty : container.ContainingNamespace.ToDisplayString(),
                types,
                container.ToDisplayString(s_fullyQualifiedFormat),
                string.Join(".", chain.Select(static type => type.Name)),
                ClientHidesInheritedMember(container));
        }

        private static TypeDeclarationKind DeclarationKind(INamedTypeSymbol type)
        {
            if (type.IsRecord)
            {
                return type.IsValueType ? TypeDeclarationKind.RecordStruct : TypeDeclarationKind.Record;
            }

            return type.TypeKind switch
            {
                TypeKind.Struct => type.IsRefLikeType ? TypeDeclarationKind.RefStruct : TypeDeclarationKind.Struct,
                TypeKind.Interface => TypeDeclarationKind.Interface,
                _ => TypeDeclarationKind.Class,
            };
        }
    }
}
