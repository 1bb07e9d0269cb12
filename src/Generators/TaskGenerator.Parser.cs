using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    /// <summary>Turns a <c>[Task]</c> method symbol into an equatable <see cref="TaskSpec"/> and diagnostics.</summary>
    internal static class Parser
    {
        private const string ClientName = "Client";

        /// <summary>Names the generator puts in every Client class besides the per-task members.</summary>
        private static readonly ImmutableArray<string> s_clientOwnMembers = ImmutableArray.Create("_client");

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

            var (taskName, queue, softTimeLimit, timeLimit, entityKey, ignoreResult) = ReadTaskAttribute(context.Attributes[0], method, chain, methodDisplay, methodLocation, diagnostics, cancellationToken);
            var retry = ReadRetryAttribute(method, methodDisplay, methodLocation, diagnostics, cancellationToken);

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
                ignoreResult);
            return new TaskParseResult(task, methodLocation, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>TF0006: reports every task whose wire name another task of the compilation also uses.</summary>
        public static EquatableArray<DiagnosticInfo> FindDuplicateNames(ImmutableArray<TaskNameClaim> claims)
        {
            var diagnostics = new List<DiagnosticInfo>();
            foreach (var group in claims.GroupBy(static claim => claim.TaskName, StringComparer.Ordinal).OrderBy(static group => group.Key, StringComparer.Ordinal))
            {
                var members = group.OrderBy(static claim => claim.MethodDisplay, StringComparer.Ordinal).ToList();
                if (members.Count < 2)
                {
                    continue;
                }

                foreach (var claim in members)
                {
                    var other = members.First(candidate => !ReferenceEquals(candidate, claim));
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTaskName, claim.Location, claim.TaskName, claim.MethodDisplay, other.MethodDisplay));
                }
            }

            return diagnostics.ToEquatableArray();
        }

        /// <summary>Finds the duplicated wire names and the hint names that collide ignoring case.</summary>
        public static GenerationFacts CreateGenerationFacts(ImmutableArray<TaskNameClaim> claims)
        {
            var duplicates = claims
                .GroupBy(static claim => claim.TaskName, StringComparer.Ordinal)
                .Where(static group => group.Count() > 1)
                .Select(static group => group.Key)
                .OrderBy(static name => name, StringComparer.Ordinal);
            var colliding = claims
                .SelectMany(static claim => new[] { claim.TaskHintName, claim.ContainerHintName })
                .Distinct(StringComparer.Ordinal)
                .GroupBy(static name => name, StringComparer.OrdinalIgnoreCase)
                .Where(static group => group.Count() > 1)
                .SelectMany(static group => group)
                .OrderBy(static name => name, StringComparer.Ordinal);
            return new GenerationFacts(duplicates.ToEquatableArray(), colliding.ToEquatableArray());
        }

        private static EquatableArray<ParameterSpec> ParseParameters(IMethodSymbol method, string methodDisplay, List<DiagnosticInfo> diagnostics, ref bool proxyIsPublic)
        {
            var parameters = new List<ParameterSpec>(method.Parameters.Length);
            foreach (var parameter in method.Parameters)
            {
                var location = LocationInfo.From(parameter.Locations.FirstOrDefault());
                var problem = DescribeUnsupportedParameter(parameter);
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, methodDisplay, problem));
                    continue;
                }

                var type = parameter.Type;
                var kind = Classify(parameter);
                var declaredNullable = IsNullable(type);
                var defaultIsNull = parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is null;
                switch (kind)
                {
                    case ParameterKind.Argument:
                    {
                        var visibility = GetVisibility(type);
                        proxyIsPublic &= visibility.Level == VisibilityLevel.Public;
                        if (visibility.Level == VisibilityLevel.Inaccessible)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleArgumentType, location, type.ToDisplayString(s_typeDisplayFormat), "parameter '" + parameter.Name + "'", methodDisplay, visibility.Problem!));
                        }

                        // A null default on a reference type that is not annotated (e.g. in a #nullable disable file):
                        // generated code is #nullable enable, so it handles the argument as nullable.
                        var widenToNullable = defaultIsNull && type.IsReferenceType && !declaredNullable;
                        var generatedType = widenToNullable ? type.WithNullableAnnotation(NullableAnnotation.Annotated) : type;

                        // A dynamic argument is handled as object in generated code, so that nothing there is dynamically bound.
                        var generatedTypeName = type.TypeKind == TypeKind.Dynamic
                            ? (declaredNullable || widenToNullable ? "object?" : "object")
                            : generatedType.ToDisplayString(s_fullyQualifiedFormat);
                        parameters.Add(new ParameterSpec(
                            parameter.Name,
                            NameConventions.ToIdentifier(parameter.Name),
                            kind,
                            generatedTypeName,
                            declaredNullable || widenToNullable,
                            NameConventions.ToSnakeCase(parameter.Name),
                            type.ToDisplayString(s_typeDisplayFormat),
                            parameter.HasExplicitDefaultValue ? FormatDefaultValue(type, parameter.ExplicitDefaultValue) : null,
                            DefaultInProxy: false,
                            SuppressNullableOnPass: widenToNullable && type.NullableAnnotation == NullableAnnotation.NotAnnotated));
                        break;
                    }

                    case ParameterKind.Service:
                    {
                        // Optional services (annotated, or defaulting to null) are resolved with GetService.
                        var optional = (type.IsReferenceType && declaredNullable) || defaultIsNull;
                        var serviceType = type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : type;
                        parameters.Add(new ParameterSpec(
                            parameter.Name,
                            NameConventions.ToIdentifier(parameter.Name),
                            kind,
                            serviceType.ToDisplayString(s_fullyQualifiedFormat),
                            optional,
                            WireName: string.Empty,
                            TypeDisplay: string.Empty,
                            DefaultValue: null,
                            DefaultInProxy: false,
                            SuppressNullableOnPass: optional && type.NullableAnnotation == NullableAnnotation.NotAnnotated));
                        break;
                    }

                    default:
                        parameters.Add(new ParameterSpec(
                            parameter.Name,
                            NameConventions.ToIdentifier(parameter.Name),
                            kind,
                            type.ToDisplayString(s_fullyQualifiedFormat),
                            IsNullable: false,
                            WireName: string.Empty,
                            TypeDisplay: string.Empty,
                            DefaultValue: null,
                            DefaultInProxy: false,
                            SuppressNullableOnPass: false));
                        break;
                }
            }

            // A default can be carried to the proxy only when every later argument has one too (C# puts
            // optional parameters last; [Optional, DefaultParameterValue] can put one earlier).
            var trailing = true;
            for (var i = parameters.Count - 1; i >= 0; i--)
            {
                if (parameters[i].Kind != ParameterKind.Argument)
                {
                    continue;
                }

                trailing &= parameters[i].HasDefault;
                if (trailing)
                {
                    parameters[i] = parameters[i] with { DefaultInProxy = true };
                }
            }

            return parameters.ToEquatableArray();
        }

        /// <summary>
        /// The parameter classification rule (docs/generator.md; the analyzers reuse it): the cancellation token,
        /// the task context, <c>[FromServices]</c> and interface/abstract types other than collection interfaces
        /// are injected; everything else is a message argument.
        /// </summary>
        internal static ParameterKind Classify(IParameterSymbol parameter)
        {
            var type = parameter.Type;
            if (IsType(type, "System.Threading", "CancellationToken"))
            {
                return ParameterKind.CancellationToken;
            }

            if (IsType(type, "TaskFlow", "TaskContext"))
            {
                return ParameterKind.Context;
            }

            if (parameter.GetAttributes().Any(static attribute => attribute.AttributeClass is { } attributeClass && IsType(attributeClass, "TaskFlow", "FromServicesAttribute")))
            {
                return ParameterKind.Service;
            }

            if ((type.TypeKind == TypeKind.Interface || (type.TypeKind == TypeKind.Class && type.IsAbstract)) && !IsCollectionInterface(type))
            {
                return ParameterKind.Service;
            }

            return ParameterKind.Argument;
        }

        private static bool IsCollectionInterface(ITypeSymbol type) =>
            type is INamedTypeSymbol { TypeKind: TypeKind.Interface, IsGenericType: true } named
            && s_collectionInterfaces.Contains(named.OriginalDefinition.MetadataName)
            && IsInNamespace(named, "System.Collections.Generic");

        private static string? DescribeUnsupportedParameter(IParameterSymbol parameter)
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
            if (type is INamedTypeSymbol named && IsInNamespace(named, "System.Threading.Tasks"))
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

            if (IsType(type, "System.Collections.Generic", "IAsyncEnumerable`1") || IsType(type, "System.Collections.Generic", "IAsyncEnumerator`1"))
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

        private static (string TaskName, string? Queue, string? SoftTimeLimit, string? TimeLimit, EntityKeySpec? EntityKey, bool? IgnoreResult) ReadTaskAttribute(
            AttributeData attribute,
            IMethodSymbol method,
            List<INamedTypeSymbol> chain,
            string methodDisplay,
            LocationInfo? methodLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            string? name = null;
            string? queue = null;
            double soft = 0;
            double hard = 0;
            EntityKeySpec? entityKey = null;
            bool? ignoreResult = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error || argument.Value.IsNull)
                {
                    continue;
                }

                string? problem;
                string shown;
                switch (argument.Key, argument.Value.Value)
                {
                    case ("EntityKey", string value):
                        entityKey = ReadEntityKey(value, method, methodDisplay, FindNamedArgument(attribute, argument.Key, cancellationToken) ?? methodLocation, diagnostics);
                        continue;
                    case ("IgnoreResult", bool value):
                        ignoreResult = value;
                        continue;
                    case ("Name", string value):
                        problem = DescribeInvalidName(value, isQueue: false);
                        name = value;
                        shown = FormatLiteral(value);
                        break;
                    case ("Queue", string value):
                        problem = DescribeInvalidName(value, isQueue: true);
                        queue = value;
                        shown = FormatLiteral(value);
                        break;
                    case ("SoftTimeLimitSeconds", double value):
                        problem = DescribeInvalidSeconds(value);
                        soft = value;
                        shown = value.ToString("R", CultureInfo.InvariantCulture);
                        break;
                    case ("TimeLimitSeconds", double value):
                        problem = DescribeInvalidSeconds(value);
                        hard = value;
                        shown = value.ToString("R", CultureInfo.InvariantCulture);
                        break;
                    default:
                        continue;
                }

                if (problem is not null)
                {
                    var location = FindNamedArgument(attribute, argument.Key, cancellationToken) ?? methodLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, argument.Key, shown, methodDisplay, problem));
                }
            }

            if (soft > 0 && hard > 0 && soft > hard && DescribeInvalidSeconds(soft) is null && DescribeInvalidSeconds(hard) is null)
            {
                var location = FindNamedArgument(attribute, "SoftTimeLimitSeconds", cancellationToken) ?? methodLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, "SoftTimeLimitSeconds", soft.ToString("R", CultureInfo.InvariantCulture), methodDisplay, "the soft time limit must not be longer than the hard time limit"));
            }

            name ??= NameConventions.DefaultTaskName(
                method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString(),
                chain.Select(static type => type.Name),
                method.Name);
            return (name, queue, SecondsExpression(soft), SecondsExpression(hard), entityKey, ignoreResult);
        }

        /// <summary>
        /// Reads <c>[Task(EntityKey = "note:{noteId}")]</c>: checks the template (TF0015), that every placeholder names a
        /// message argument (TF0014) of a type with one stable text (TF0016), and builds the expression that formats it.
        /// </summary>
        private static EntityKeySpec? ReadEntityKey(string template, IMethodSymbol method, string methodDisplay, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var (parts, malformed) = ParseEntityKeyTemplate(template);
            if (parts is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedEntityKey, location, FormatLiteral(template), methodDisplay, malformed!));
                return null;
            }

            var arguments = method.Parameters.Where(static parameter => DescribeUnsupportedParameter(parameter) is null && Classify(parameter) == ParameterKind.Argument).ToList();
            var argumentList = arguments.Count == 0
                ? "the task has no message arguments"
                : "its message arguments: " + string.Join(", ", arguments.Select(static argument => argument.Name));
            var valid = true;
            var holes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var placeholder in parts.Where(static part => part.IsPlaceholder).Select(static part => part.Text).Distinct(StringComparer.Ordinal))
            {
                var shown = "{" + placeholder + "}";
                var name = placeholder.StartsWith("@", StringComparison.Ordinal) ? placeholder.Substring(1) : placeholder;
                var parameter = method.Parameters.FirstOrDefault(candidate => candidate.Name == name);
                if (parameter is null)
                {
                    var similar = arguments.FirstOrDefault(candidate => string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase));
                    var problem = similar is null ? "does not name a parameter" : "does not name a parameter (did you mean '" + similar.Name + "'?)";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EntityKeyPlaceholderNotAnArgument, location, shown, methodDisplay, problem, argumentList));
                    valid = false;
                    continue;
                }

                if (DescribeUnsupportedParameter(parameter) is not null)
                {
                    // TF0003 reports the parameter itself.
                    valid = false;
                    continue;
                }

                var kind = Classify(parameter);
                if (kind != ParameterKind.Argument)
                {
                    var injected = kind switch
                    {
                        ParameterKind.CancellationToken => "the cancellation token",
                        ParameterKind.Context => "the task context",
                        _ => "a service resolved from DI",
                    };
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.EntityKeyPlaceholderNotAnArgument,
                        location,
                        shown,
                        methodDisplay,
                        "names parameter '" + parameter.Name + "', which is injected (" + injected + "), not a message argument",
                        argumentList));
                    valid = false;
                    continue;
                }

                if (parameter.Type.TypeKind == TypeKind.Error)
                {
                    valid = false;
                    continue;
                }

                var typeProblem = DescribeUnsupportedKeyType(parameter.Type);
                if (typeProblem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.EntityKeyPlaceholderType,
                        location,
                        shown,
                        methodDisplay,
                        parameter.Name,
                        parameter.Type.ToDisplayString(s_typeDisplayFormat),
                        typeProblem));
                    valid = false;
                    continue;
                }

                // DateOnly's invariant default is MM/dd/yyyy; keys use ISO 8601.
                var format = IsType(parameter.Type, "System", "DateOnly") ? ":yyyy-MM-dd" : string.Empty;
                holes[placeholder] = "{" + NameConventions.ToIdentifier(parameter.Name) + format + "}";
            }

            if (!valid)
            {
                return null;
            }

            if (holes.Count == 0)
            {
                // No placeholders: one key for every call.
                return new EntityKeySpec(template, FormatLiteral(string.Concat(parts.Select(static part => part.Text))));
            }

            var interpolated = new StringBuilder("$\"");
            foreach (var (text, isPlaceholder) in parts)
            {
                if (isPlaceholder)
                {
                    interpolated.Append(holes[text]);
                    continue;
                }

                var literal = SymbolDisplay.FormatLiteral(text, quote: true);
                interpolated.Append(literal.Substring(1, literal.Length - 2).Replace("{", "{{").Replace("}", "}}"));
            }

            interpolated.Append('"');
            return new EntityKeySpec(template, "global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, " + interpolated + ")");
        }

        /// <summary>
        /// Splits an entity key template into fixed text and placeholders (<c>{name}</c>; <c>{{</c> and <c>}}</c> are literal
        /// braces). Returns the problem instead when it is malformed.
        /// </summary>
        internal static (List<(string Text, bool IsPlaceholder)>? Parts, string? Problem) ParseEntityKeyTemplate(string template)
        {
            const int MaxEntityKeyLength = 255;
            if (string.IsNullOrWhiteSpace(template))
            {
                return (null, "it is empty or whitespace, and an entity key must have text");
            }

            var parts = new List<(string Text, bool IsPlaceholder)>();
            var text = new StringBuilder();
            var fixedLength = 0;
            for (var i = 0; i < template.Length; i++)
            {
                var c = template[i];
                if (c == '{')
                {
                    if (i + 1 < template.Length && template[i + 1] == '{')
                    {
                        text.Append('{');
                        i++;
                        continue;
                    }

                    var index = i.ToString(CultureInfo.InvariantCulture);
                    var close = template.IndexOf('}', i + 1);
                    var nextOpen = template.IndexOf('{', i + 1);
                    if (close < 0 || (nextOpen >= 0 && nextOpen < close))
                    {
                        return (null, "the '{' at index " + index + " is not closed by a '}' (write '{{' for a literal brace)");
                    }

                    var name = template.Substring(i + 1, close - i - 1);
                    if (name.Length == 0)
                    {
                        return (null, "the placeholder '{}' at index " + index + " is empty; name a message argument, e.g. '{noteId}' (or write '{{' and '}}' for literal braces)");
                    }

                    if (!SyntaxFacts.IsValidIdentifier(name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name))
                    {
                        return (null, "the placeholder '{" + name + "}' at index " + index + " is not a parameter name; placeholders hold a parameter name only (no format, expression or spaces)");
                    }

                    if (text.Length > 0)
                    {
                        fixedLength += text.Length;
                        parts.Add((text.ToString(), false));
                        text.Clear();
                    }

                    parts.Add((name, true));
                    i = close;
                    continue;
                }

                if (c == '}')
                {
                    if (i + 1 < template.Length && template[i + 1] == '}')
                    {
                        text.Append('}');
                        i++;
                        continue;
                    }

                    return (null, "the '}' at index " + i.ToString(CultureInfo.InvariantCulture) + " closes no placeholder (write '}}' for a literal brace)");
                }

                text.Append(c);
            }

            if (text.Length > 0)
            {
                fixedLength += text.Length;
                parts.Add((text.ToString(), false));
            }

            if (fixedLength > MaxEntityKeyLength)
            {
                return (null, "its fixed text is " + fixedLength.ToString(CultureInfo.InvariantCulture) + " characters long, and an entity key is at most " + MaxEntityKeyLength.ToString(CultureInfo.InvariantCulture));
            }

            return (parts, null);
        }

        /// <summary>Why a message argument's type cannot be a placeholder of an entity key, or <c>null</c> when it can (docs/generator.md).</summary>
        private static string? DescribeUnsupportedKeyType(ITypeSymbol type)
        {
            if (IsNullable(type))
            {
                return "it is nullable, and a key needs a value (a null would make one key for every call without one)";
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                return null;
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_String:
                case SpecialType.System_Char:
                case SpecialType.System_Boolean:
                case SpecialType.System_SByte:
                case SpecialType.System_Byte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                case SpecialType.System_Decimal:
                    return null;
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                    return "binary floating-point numbers have no stable text for one value; use an integer, a decimal or a string";
                case SpecialType.System_DateTime:
                    return "a point in time has no one text for one entity (kind, offset and precision vary); use DateOnly or a string";
            }

            if (IsType(type, "System", "Guid") || IsType(type, "System", "DateOnly") || IsType(type, "System", "Int128") || IsType(type, "System", "UInt128"))
            {
                return null;
            }

            if (IsType(type, "System", "Half"))
            {
                return "binary floating-point numbers have no stable text for one value; use an integer, a decimal or a string";
            }

            if (IsType(type, "System", "DateTimeOffset") || IsType(type, "System", "TimeOnly") || IsType(type, "System", "TimeSpan"))
            {
                return "a point in time has no one text for one entity (kind, offset and precision vary); use DateOnly or a string";
            }

            if (type is IArrayTypeSymbol || type.SpecialType == SpecialType.System_Collections_IEnumerable || type.AllInterfaces.Any(static candidate => candidate.SpecialType == SpecialType.System_Collections_IEnumerable))
            {
                return "a collection is many values, not the id of one entity";
            }

            return "only strings, chars, bools, integers, decimals, Guids, enums and DateOnly values make keys; pass the entity's id as an argument of its own";
        }

        /// <summary>A positive number of seconds as a <c>TimeSpan</c> expression; 0 (none) as <c>null</c>.</summary>
        private static string? SecondsExpression(double seconds) =>
            seconds > 0 && !double.IsInfinity(seconds) && !double.IsNaN(seconds)
                ? "global::System.TimeSpan.FromSeconds(" + FormatLiteral(seconds) + ")"
                : null;

        private static string? DescribeInvalidSeconds(double seconds)
        {
            if (double.IsNaN(seconds) || double.IsInfinity(seconds))
            {
                return "it must be a finite number of seconds";
            }

            if (seconds < 0)
            {
                return "it must not be negative (0 means none)";
            }

            // TimeSpan.FromSeconds throws above this.
            if (seconds > TimeSpan.MaxValue.TotalSeconds)
            {
                return "it is longer than TimeSpan.MaxValue";
            }

            return null;
        }

        /// <summary>Reads <c>[Retry]</c> into the policy to generate; only the values that were set are carried (the others keep <c>RetryPolicy</c>'s defaults, which are the attribute's).</summary>
        private static RetrySpec? ReadRetryAttribute(IMethodSymbol method, string methodDisplay, LocationInfo? methodLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var attribute = method.GetAttributes().FirstOrDefault(static candidate => candidate.AttributeClass is { } attributeClass && IsType(attributeClass, "TaskFlow", "RetryAttribute"));
            if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not int maxRetries)
            {
                return null;
            }

            void Report(string argument, string? namedArgument, string problem) =>
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidRetryAttributeValue,
                    (namedArgument is null ? LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) : FindNamedArgument(attribute, namedArgument, cancellationToken)) ?? methodLocation,
                    argument,
                    methodDisplay,
                    problem));

            if (maxRetries is < 0 or > 1000)
            {
                Report("maxRetries = " + maxRetries.ToString(CultureInfo.InvariantCulture), null, "it must be between 0 and 1000");
            }

            string? backoff = null;
            string? delay = null;
            string? maxDelay = null;
            bool? jitter = null;
            EquatableArray<string>? schedule = null;
            var retryOn = EquatableArray<string>.Empty;
            var doNotRetryOn = EquatableArray<string>.Empty;
            foreach (var argument in attribute.NamedArguments)
            {
                var value = argument.Value;
                if (value.Kind == TypedConstantKind.Error || value.IsNull)
                {
                    continue;
                }

                switch (argument.Key)
                {
                    case "Backoff" when value.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                        var member = enumType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(field => field.HasConstantValue && Equals(field.ConstantValue, value.Value));
                        backoff = member is not null
                            ? enumType.ToDisplayString(s_fullyQualifiedFormat) + "." + NameConventions.ToIdentifier(member.Name)
                            : FormatDefaultValue(enumType, value.Value);
                        break;
                    case "DelaySeconds" when value.Value is double seconds:
                        delay = CheckSeconds(argument.Key, seconds);
                        break;
                    case "MaxDelaySeconds" when value.Value is double seconds:
                        maxDelay = CheckSeconds(argument.Key, seconds);
                        break;
                    case "Jitter" when value.Value is bool flag:
                        jitter = flag;
                        break;
                    case "ScheduleSeconds" when value.Kind == TypedConstantKind.Array:
                        schedule = value.Values
                            .Select(entry => entry.Value is double seconds ? CheckSeconds(argument.Key, seconds) ?? "global::System.TimeSpan.Zero" : "global::System.TimeSpan.Zero")
                            .ToEquatableArray();
                        break;
                    case "RetryOn" when value.Kind == TypedConstantKind.Array:
                        retryOn = ReadExceptionTypes(argument.Key, value);
                        break;
                    case "DoNotRetryOn" when value.Kind == TypedConstantKind.Array:
                        doNotRetryOn = ReadExceptionTypes(argument.Key, value);
                        break;
                }
            }

            return new RetrySpec(maxRetries, backoff, delay, maxDelay, jitter, schedule, retryOn, doNotRetryOn);

            string? CheckSeconds(string name, double seconds)
            {
                var problem = DescribeInvalidSeconds(seconds);
                if (problem is not null)
                {
                    Report(name + " = " + seconds.ToString("R", CultureInfo.InvariantCulture), name, problem);
                    return null;
                }

                return "global::System.TimeSpan.FromSeconds(" + FormatLiteral(seconds) + ")";
            }

            EquatableArray<string> ReadExceptionTypes(string name, TypedConstant array)
            {
                var types = new List<string>();
                foreach (var entry in array.Values)
                {
                    if (entry.Value is not ITypeSymbol type || type.TypeKind == TypeKind.Error)
                    {
                        continue;
                    }

                    if (!IsException(type))
                    {
                        Report(name + " = typeof(" + type.ToDisplayString(s_typeDisplayFormat) + ")", name, "it is not an exception type");
                        continue;
                    }

                    types.Add(type.ToDisplayString(s_fullyQualifiedFormat));
                }

                return types.ToEquatableArray();
            }
        }

        private static bool IsException(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { IsUnboundGenericType: true })
            {
                return false;
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (IsType(current, "System", "Exception"))
                {
                    return true;
                }
            }

            return false;
        }

        private static string? DescribeInvalidName(string value, bool isQueue)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return "it is empty or whitespace";
            }

            if (value.Any(static c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                return "it contains whitespace or control characters";
            }

            if (isQueue && Encoding.UTF8.GetByteCount(value) > 255)
            {
                return "queue names are at most 255 UTF-8 bytes";
            }

            if (isQueue && value.StartsWith("amq.", StringComparison.Ordinal))
            {
                return "queue names starting with 'amq.' are reserved by the broker";
            }

            return null;
        }

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
            method.GetAttributes().Any(static attribute => attribute.AttributeClass is { } attributeClass && IsType(attributeClass, "TaskFlow", "TaskAttribute"));

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

        private static ContainerSpec CreateContainer(INamedTypeSymbol container, List<INamedTypeSymbol> chain)
        {
            var types = chain.Select(static type => new TypeDeclarationSpec(DeclarationKeyword(type), type.Name)).ToEquatableArray();
            return new ContainerSpec(
                container.ContainingNamespace.IsGlobalNamespace ? string.Empty : container.ContainingNamespace.ToDisplayString(),
                types,
                container.ToDisplayString(s_fullyQualifiedFormat),
                string.Join(".", chain.Select(static type => type.Name)),
                ClientHidesInheritedMember(container));
        }

        private static string DeclarationKeyword(INamedTypeSymbol type)
        {
            if (type.IsRecord)
            {
                return type.IsValueType ? "partial record struct" : "partial record";
            }

            return type.TypeKind switch
            {
                // 'ref' must come before 'partial'.
                TypeKind.Struct => type.IsRefLikeType ? "ref partial struct" : "partial struct",
                TypeKind.Interface => "partial interface",
                _ => "partial class",
            };
        }

        private static bool IsNullable(ITypeSymbol type) =>
            type.IsValueType
                ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                : type.NullableAnnotation == NullableAnnotation.Annotated;

        /// <summary>Formats a parameter's default value as a C# expression of the parameter's type.</summary>
        internal static string FormatDefaultValue(ITypeSymbol type, object? value)
        {
            if (value is null)
            {
                return type.IsReferenceType || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? "null" : "default";
            }

            var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
                ? nullable.TypeArguments[0]
                : type;
            var literal = FormatLiteral(value);
            if (underlying.TypeKind == TypeKind.Enum)
            {
                var enumType = underlying.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualifiedFormat);
                return "(" + enumType + ")" + (literal.StartsWith("-", StringComparison.Ordinal) ? "(" + literal + ")" : literal);
            }

            return literal;
        }

        private static string FormatLiteral(object value)
        {
            switch (value)
            {
                case string text:
                    return SymbolDisplay.FormatLiteral(text, quote: true);
                case char character:
                    return SymbolDisplay.FormatLiteral(character, quote: true);
                case bool boolean:
                    return boolean ? "true" : "false";
                case float single:
                    return float.IsNaN(single) ? "float.NaN"
                        : float.IsPositiveInfinity(single) ? "float.PositiveInfinity"
                        : float.IsNegativeInfinity(single) ? "float.NegativeInfinity"
                        : single.ToString("R", CultureInfo.InvariantCulture) + "F";
                case double number:
                    return double.IsNaN(number) ? "double.NaN"
                        : double.IsPositiveInfinity(number) ? "double.PositiveInfinity"
                        : double.IsNegativeInfinity(number) ? "double.NegativeInfinity"
                        : number.ToString("R", CultureInfo.InvariantCulture) + "D";
                case decimal number:
                    return number.ToString(CultureInfo.InvariantCulture) + "M";
                case uint number:
                    return number.ToString(CultureInfo.InvariantCulture) + "U";
                case long number:
                    return number.ToString(CultureInfo.InvariantCulture) + "L";
                case ulong number:
                    return number.ToString(CultureInfo.InvariantCulture) + "UL";
                case IFormattable number:
                    // int, short, ushort, byte, sbyte: constant conversions make the plain literal fit.
                    return number.ToString(null, CultureInfo.InvariantCulture);
                default:
                    return Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default";
            }
        }

        private static bool IsType(ITypeSymbol type, string @namespace, string metadataName) =>
            type.OriginalDefinition.MetadataName == metadataName && type.ContainingType is null && IsInNamespace(type, @namespace);

        private static bool IsInNamespace(ISymbol symbol, string @namespace)
        {
            var current = symbol.ContainingNamespace;
            var end = @namespace.Length;
            while (end > 0)
            {
                if (current is null || current.IsGlobalNamespace)
                {
                    return false;
                }

                var start = @namespace.LastIndexOf('.', end - 1) + 1;
                var segment = current.Name;
                if (segment.Length != end - start || string.CompareOrdinal(@namespace, start, segment, 0, segment.Length) != 0)
                {
                    return false;
                }

                current = current.ContainingNamespace;
                end = start - 1;
            }

            return current is not null && current.IsGlobalNamespace;
        }

        /// <summary>How visible a type is: public everywhere, internal, or not reachable from the whole assembly.</summary>
        private static (VisibilityLevel Level, string? Problem) GetVisibility(ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return GetVisibility(array.ElementType);
                case INamedTypeSymbol named:
                {
                    var level = VisibilityLevel.Public;
                    for (INamedTypeSymbol? current = named; current is not null; current = current.ContainingType)
                    {
                        if (current.IsFileLocal)
                        {
                            return (VisibilityLevel.Inaccessible, "file-local");
                        }

                        switch (current.DeclaredAccessibility)
                        {
                            case Accessibility.Private:
                                return (VisibilityLevel.Inaccessible, "private");
                            case Accessibility.Protected:
                                return (VisibilityLevel.Inaccessible, "protected");
                            case Accessibility.ProtectedAndInternal:
                                return (VisibilityLevel.Inaccessible, "private protected");
                            case Accessibility.Internal:
                            case Accessibility.ProtectedOrInternal:
                                level = VisibilityLevel.Internal;
                                break;
                        }
                    }

                    foreach (var argument in named.TypeArguments)
                    {
                        var inner = GetVisibility(argument);
                        if (inner.Level == VisibilityLevel.Inaccessible)
                        {
                            return inner;
                        }

                        if (inner.Level == VisibilityLevel.Internal)
                        {
                            level = VisibilityLevel.Internal;
                        }
                    }

                    return (level, null);
                }

                default:
                    return (VisibilityLevel.Public, null);
            }
        }

        private enum VisibilityLevel
        {
            Public,
            Internal,
            Inaccessible,
        }
    }
}
