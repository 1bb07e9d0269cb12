using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    /// <summary>
    /// Turns a <c>[Task]</c> method symbol into an equatable <see cref="TaskSpec"/> and diagnostics. This file holds the
    /// entry point; each concern has a partial file of its own: <c>.Container</c> (the containing types and the Client
    /// class), <c>.Method</c> (invocability, the return), <c>.Parameters</c>, <c>.Visibility</c>, <c>.TaskAttribute</c>,
    /// <c>.Naming</c>, <c>.TimeLimits</c>, <c>.EntityKey</c> and <c>.Retry</c>.
    /// </summary>
    internal static partial class Parser
    {
        /// <summary><c>global::</c>-qualified, with nullable annotations: types in generated code.</summary>
        private static readonly SymbolDisplayFormat s_fullyQualifiedFormat =
            SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>Namespace-qualified without <c>global::</c>, keywords for special types: types in descriptors and messages.</summary>
        private static readonly SymbolDisplayFormat s_typeDisplayFormat = new(
            globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
            genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
            miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>E.g. <c>Signup.SignupTasks.SendSms(int, string?)</c>.</summary>
        private static readonly SymbolDisplayFormat s_methodDisplayFormat = s_typeDisplayFormat
            .WithMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters)
            .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType);

        public static TaskParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            var container = method.ContainingType;
            var methodLocation = LocationInfo.From(syntax.Identifier);
            var methodDisplay = method.ToDisplayString(s_methodDisplayFormat);
            var containerDisplay = container.ToDisplayString(s_typeDisplayFormat);
            var diagnostics = new List<DiagnosticInfo>();

            var chain = new List<INamedTypeSymbol>();
            for (var type = container; type is not null; type = type.ContainingType)
            {
                chain.Insert(0, type);
            }

            // The containing type and the types enclosing it.
            var notPartial = chain.FirstOrDefault(type => !IsPartial(type, cancellationToken));
            if (notPartial is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, methodLocation, notPartial.ToDisplayString(s_typeDisplayFormat), methodDisplay));
            }

            if (chain.Any(static type => type.TypeParameters.Length > 0))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericContainingType, methodLocation, containerDisplay, methodDisplay));
            }

            foreach (var type in chain)
            {
                var problem = DescribeInaccessibility(type);
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleContainingType, methodLocation, type.ToDisplayString(s_typeDisplayFormat), methodDisplay, problem));
                    break;
                }
            }

            if (HasConflictingClientMember(container, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClientMemberConflict, methodLocation, containerDisplay, methodDisplay));
            }

            // The method itself.
            if (method.IsGenericMethod)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericTaskMethod, methodLocation, methodDisplay));
            }

            var notInvocable = DescribeWhyNotInvocable(method, container);
            if (notInvocable is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TaskNotInvocable, methodLocation, methodDisplay, notInvocable));
            }

            var (returnKind, resultType, returnProblem) = ClassifyReturn(method);
            var returnLocation = LocationInfo.From(syntax.ReturnType);
            var proxyIsPublic = true;
            if (returnProblem is not null)
            {
                var refKind = method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReturnType, returnLocation, methodDisplay, refKind + method.ReturnType.ToDisplayString(s_typeDisplayFormat), returnProblem));
            }
            else if (resultType is not null)
            {
                var visibility = GetVisibility(resultType);
                proxyIsPublic &= visibility.Level == VisibilityLevel.Public;
                if (visibility.Level == VisibilityLevel.Inaccessible)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleArgumentType, returnLocation, resultType.ToDisplayString(s_typeDisplayFormat), "the result", methodDisplay, visibility.Problem!));
                }
            }

            var parameters = ParseParameters(method, methodDisplay, diagnostics, ref proxyIsPublic);

            var (taskName, queue, softTimeLimit, timeLimit, entityKey, ignoreResult, longRunning, logSummary, priority, maxConcurrency, concurrencyKey) = ReadTaskAttribute(context.Attributes[0], method, chain, methodDisplay, methodLocation, diagnostics, cancellationToken);
            var retry = ReadRetryAttribute(method, methodDisplay, methodLocation, diagnostics, cancellationToken);
            var unique = ReadUnique(context.Attributes[0], method, methodDisplay, methodLocation, diagnostics, cancellationToken);
            var rateLimit = ReadRateLimit(context.Attributes[0], method, methodDisplay, methodLocation, diagnostics, cancellationToken);
            var order = ReadOrder(context.Attributes[0], method, methodDisplay, methodLocation, diagnostics, cancellationToken);

            var clash = FindGeneratedMemberClash(method, container);
            if (clash is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTaskMemberName, methodLocation, methodDisplay, clash.Value.Other, clash.Value.Member, containerDisplay));
            }

            if (diagnostics.Count > 0)
            {
                return new TaskParseResult(null, methodLocation, diagnostics.ToEquatableArray());
            }

            var task = new TaskSpec(
                CreateContainer(container, chain),
                method.Name,
                NameConventions.ToIdentifier(method.Name),
                taskName,
                queue,
                methodDisplay,
                method.IsStatic,
                returnKind,
                resultType?.ToDisplayString(s_fullyQualifiedFormat),
                CanReferenceMethodInDocs: container.GetMembers(method.Name).Length == 1,
                proxyIsPublic,
                parameters,
                softTimeLimit,
                timeLimit,
                retry,
                entityKey,
                ignoreResult,
                longRunning,
                logSummary,
                priority,
                maxConcurrency,
                concurrencyKey,
                ReadPeriodicAttributes(method, taskName, parameters),
                unique)
            {
                RateLimit = rateLimit,
                Order = order,
            };
            return new TaskParseResult(task, methodLocation, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>Where the named argument <paramref name="name"/> of an attribute is written, for its diagnostics; <c>null</c> when it is not in source.</summary>
        private static LocationInfo? FindNamedArgument(AttributeData attribute, string name, CancellationToken cancellationToken)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax { ArgumentList: { } arguments })
            {
                return null;
            }

            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return LocationInfo.From(argument);
                }
            }

            return null;
        }
    }
}
