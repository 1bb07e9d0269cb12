using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskFlow.Shared;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1002: a message argument (by the generator's classification, <see cref="TaskParameterRules"/>) that cannot
/// travel in a JSON message: delegates, tasks, streams, connections, contexts, reflection objects, exceptions, and
/// types System.Text.Json cannot create (no usable constructor, abstract or interface elements), also as the
/// elements of arrays and collections. TF1009: a parameter injected only because its type is abstract (a stream, an
/// HTTP context, a transaction...) that no DI container provides.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WireParameterAnalyzer : DiagnosticAnalyzer
{
    private const int MaxDepth = 4;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.ParameterCannotBeSent, DiagnosticDescriptors.InjectedTypeIsNotAService);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols is not null)
            {
                start.RegisterSymbolAction(context => Analyze(context, symbols), SymbolKind.Method);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, TaskFlowSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!symbols.IsTaskMethod(method))
        {
            return;
        }

        var taskDisplay = method.ContainingType.Name + "." + method.Name;
        foreach (var parameter in method.Parameters)
        {
            // ref/out/in parameters, pointers and ref structs are the generator's TF0003.
            if (TaskParameterRules.DescribeUnsupported(parameter) is not null || parameter.Locations.FirstOrDefault() is not { IsInSource: true } location)
            {
                continue;
            }

            switch (TaskParameterRules.Classify(parameter))
            {
                case TaskParameterKind.Argument:
                    var problem = DescribeUnsendable(parameter.Type, context.Compilation, 0);
                    if (problem is not null)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ParameterCannotBeSent, location, parameter.Name, taskDisplay, problem));
                    }

                    break;

                case TaskParameterKind.Service when !TaskParameterRules.HasFromServices(parameter):
                    var what = DescribeNonService(parameter.Type);
                    if (what is not null)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.InjectedTypeIsNotAService,
                            location,
                            parameter.Name,
                            taskDisplay,
                            parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                            parameter.Type.TypeKind == TypeKind.Interface ? "an interface" : "abstract",
                            what));
                    }

                    break;
            }
        }
    }

    /// <summary>Why a value of <paramref name="type"/> cannot be sent in a message, or <c>null</c>.</summary>
    internal static string? DescribeUnsendable(ITypeSymbol type, Compilation compilation, int depth)
    {
        if (depth > MaxDepth || type.TypeKind is TypeKind.Error or TypeKind.TypeParameter or TypeKind.Dynamic or TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return null;
        }

        var display = type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return DescribeUnsendable(nullable.TypeArguments[0], compilation, depth);
        }

        if (HasJsonAttribute(type, "JsonConverterAttribute") || HasJsonAttribute(type, "JsonDerivedTypeAttribute") || HasJsonAttribute(type, "JsonPolymorphicAttribute"))
        {
            return null;
        }

        if (type.TypeKind == TypeKind.Delegate || type.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
        {
            return "'" + display + "' is a delegate, and code cannot be serialized; make the choice a value (an enum or a name) and act on it in the task";
        }

        var resource = DescribeResource(type);
        if (resource is not null)
        {
            return "'" + display + "' is " + resource;
        }

        var element = EntityDetector.ElementType(type);
        if (element is not null && type.SpecialType != SpecialType.System_String)
        {
            if (element is INamedTypeSymbol { IsGenericType: true } pair && TypeNames.IsType(pair, "System.Collections.Generic", "KeyValuePair`2"))
            {
                element = pair.TypeArguments[1];
            }

            if ((element.TypeKind == TypeKind.Interface || (element.TypeKind == TypeKind.Class && element.IsAbstract))
                && element.SpecialType == SpecialType.None
                && !TaskParameterRules.IsCollectionInterface(element)
                && !HasJsonAttribute(element, "JsonDerivedTypeAttribute") && !HasJsonAttribute(element, "JsonPolymorphicAttribute") && !HasJsonAttribute(element, "JsonConverterAttribute")
                && DescribeResource(element) is null)
            {
                return "its elements are the " + (element.TypeKind == TypeKind.Interface ? "interface" : "abstract class") + " '"
                    + element.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                    + "', which System.Text.Json cannot create; use a concrete type, or declare the derived types with [JsonDerivedType]";
            }

            var inner = DescribeUnsendable(element, compilation, depth + 1);
            return inner is null ? null : "its elements cannot be sent: " + inner;
        }

        return DescribeConstructorProblem(type, compilation);
    }

    /// <summary>Handles that belong to this process or this request: what they are, and what to send instead.</summary>
    private static string? DescribeResource(ITypeSymbol type)
    {
        if (TypeNames.IsType(type, "System", "IntPtr") || TypeNames.IsType(type, "System", "UIntPtr"))
        {
            return "a native handle of this process";
        }

        if (TypeNames.IsType(type, "System.Threading.Tasks", "ValueTask") || TypeNames.IsType(type, "System.Threading.Tasks", "ValueTask`1"))
        {
            return "a running operation, not data; send the values it works on, or await it and send its result";
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            var description = DescribeResourceClass(current);
            if (description is not null)
            {
                return description;
            }
        }

        return null;
    }

    private static string? DescribeResourceClass(ITypeSymbol type)
    {
        static bool Is(ITypeSymbol candidate, string @namespace, string name) => TypeNames.IsType(candidate, @namespace, name);

        if (Is(type, "System.Threading.Tasks", "Task"))
        {
            return "a running operation, not data; send the values it works on, or await it and send its result";
        }

        if (Is(type, "System.IO", "Stream"))
        {
            return "a stream of this process; send the bytes (byte[]) or where to find them (a path, a blob name, a URL)";
        }

        if (Is(type, "System.IO", "TextReader") || Is(type, "System.IO", "TextWriter"))
        {
            return "a reader or writer of this process; send the text or where to find it";
        }

        if (Is(type, "System.Data.Common", "DbConnection") || Is(type, "System.Data.Common", "DbTransaction")
            || Is(type, "System.Data.Common", "DbCommand") || Is(type, "System.Data.Common", "DbDataReader"))
        {
            return "a database handle of this process; send keys, and open a connection in the task (inject a data source or connection factory)";
        }

        if (type.Name == "DbContext" && type.TypeKind == TypeKind.Class)
        {
            return "a DbContext, a unit of work bound to this process's connection; send keys, and inject a DbContext with [FromServices]";
        }

        if (Is(type, "Microsoft.AspNetCore.Http", "HttpContext") || Is(type, "Microsoft.AspNetCore.Http", "HttpRequest") || Is(type, "Microsoft.AspNetCore.Http", "HttpResponse"))
        {
            return "the HTTP request's context, which ends with the request; send the values the task needs (user id, headers, form values)";
        }

        if (Is(type, "System.Net.Http", "HttpMessageInvoker") || Is(type, "System.Net.Http", "HttpContent")
            || Is(type, "System.Net.Http", "HttpRequestMessage") || Is(type, "System.Net.Http", "HttpResponseMessage"))
        {
            return "an HTTP object of this process; send the URL or the content, and inject IHttpClientFactory";
        }

        if (Is(type, "System.Threading", "Thread") || Is(type, "System.Threading", "WaitHandle") || Is(type, "System.Threading", "CancellationTokenSource")
            || Is(type, "System.Threading", "Timer") || Is(type, "System.Threading", "SemaphoreSlim") || Is(type, "System.Net.Sockets", "Socket")
            || Is(type, "System.Diagnostics", "Process"))
        {
            return "a handle of this process, meaningless on a worker";
        }

        if (Is(type, "System", "Type") || Is(type, "System.Reflection", "MemberInfo") || Is(type, "System.Reflection", "Assembly") || Is(type, "System.Reflection", "Module"))
        {
            return "a reflection object, which System.Text.Json refuses to serialize; send a name";
        }

        if (Is(type, "System", "Exception"))
        {
            return "an exception, which System.Text.Json cannot serialize (its TargetSite is a reflection object); send its type name and message";
        }

        return null;
    }

    /// <summary>
    /// System.Text.Json's rules for creating an object: the constructor marked [JsonConstructor], else the public
    /// parameterless one, else the only public one; each parameter of a parameterized one must match a property or
    /// field by name (ignoring case). Checked for classes declared in this compilation or in a referenced assembly
    /// that is not strong-named (framework and library types have converters this analyzer cannot see).
    /// </summary>
    private static string? DescribeConstructorProblem(ITypeSymbol type, Compilation compilation)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class, SpecialType: SpecialType.None } named || named.IsStatic
            || (!SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, compilation.Assembly) && named.ContainingAssembly.Identity.IsStrongName)
            || TypeNames.IsInNamespace(named, "System") || IsUnder(named, "System") || IsUnder(named, "Microsoft") || IsUnder(named, "TaskFlow"))
        {
            return null;
        }

        var display = named.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        if (named.IsAbstract)
        {
            return "'" + display + "' is abstract, and System.Text.Json cannot create it; use a concrete type";
        }

        var constructors = named.InstanceConstructors;
        var marked = constructors.FirstOrDefault(static constructor => constructor.GetAttributes().Any(static attribute =>
            attribute.AttributeClass is { Name: "JsonConstructorAttribute" } attributeClass && TypeNames.IsInNamespace(attributeClass, "System.Text.Json.Serialization")));
        var publicConstructors = constructors.Where(static constructor => constructor.DeclaredAccessibility == Accessibility.Public).ToList();
        IMethodSymbol? chosen;
        if (marked is not null)
        {
            chosen = marked;
        }
        else if (publicConstructors.Any(static constructor => constructor.Parameters.Length == 0))
        {
            return null;
        }
        else if (publicConstructors.Count == 1)
        {
            chosen = publicConstructors[0];
        }
        else
        {
            return "System.Text.Json cannot create '" + display + "': it has "
                + (publicConstructors.Count == 0 ? "no public constructor" : "several public constructors, none of them parameterless")
                + " and no constructor marked [JsonConstructor]";
        }

        foreach (var parameter in chosen.Parameters)
        {
            if (!HasMember(named, parameter.Name))
            {
                return "System.Text.Json cannot create '" + display + "': constructor parameter '" + parameter.Name + "' matches no property or field";
            }
        }

        return null;
    }

    private static bool HasMember(INamedTypeSymbol type, string name)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers().Any(member => member is IPropertySymbol or IFieldSymbol { IsImplicitlyDeclared: false }
                && !member.IsStatic && string.Equals(member.Name, name, System.StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnder(INamedTypeSymbol type, string root)
    {
        var current = type.ContainingNamespace;
        while (current is { ContainingNamespace.IsGlobalNamespace: false })
        {
            current = current.ContainingNamespace;
        }

        return current is { IsGlobalNamespace: false } && current.Name == root;
    }

    private static bool HasJsonAttribute(ITypeSymbol type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetAttributes().Any(attribute => attribute.AttributeClass is { } attributeClass && attributeClass.Name == name
                && TypeNames.IsInNamespace(attributeClass, "System.Text.Json.Serialization")))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What an abstract or interface type that no DI container provides is, or <c>null</c>.</summary>
    private static string? DescribeNonService(ITypeSymbol type)
    {
        static bool Is(ITypeSymbol candidate, string @namespace, string name) => TypeNames.IsType(candidate, @namespace, name);

        if (Is(type, "System.Data", "IDbTransaction") || Is(type, "System.Data", "IDbCommand") || Is(type, "System.Data", "IDataReader"))
        {
            return "a database handle opened by the code that sent the task";
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, "System.IO", "Stream") || Is(current, "System.IO", "TextReader") || Is(current, "System.IO", "TextWriter"))
            {
                return "a stream of the process that sent the task";
            }

            if (Is(current, "Microsoft.AspNetCore.Http", "HttpContext") || Is(current, "Microsoft.AspNetCore.Http", "HttpRequest") || Is(current, "Microsoft.AspNetCore.Http", "HttpResponse"))
            {
                return "the context of an HTTP request, which a worker does not have";
            }

            if (Is(current, "System.Data.Common", "DbConnection") || Is(current, "System.Data.Common", "DbTransaction")
                || Is(current, "System.Data.Common", "DbCommand") || Is(current, "System.Data.Common", "DbDataReader"))
            {
                return "a database handle opened by the code that sent the task";
            }

            if (Is(current, "System.Net.Http", "HttpContent") || Is(current, "System.Threading", "WaitHandle"))
            {
                return "a handle of the process that sent the task";
            }

            if (Is(current, "System.Reflection", "MemberInfo") || Is(current, "System.Reflection", "Assembly"))
            {
                return "a reflection object";
            }

            if (current.SpecialType is SpecialType.System_Array or SpecialType.System_Enum or SpecialType.System_ValueType or SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
            {
                return "a language base type";
            }
        }

        return null;
    }
}
