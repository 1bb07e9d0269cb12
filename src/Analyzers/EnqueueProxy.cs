using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskFlow.Analyzers;

/// <summary>
/// Recognizes the generator's proxies: for task <c>M</c> of type <c>T</c>, <c>T.Client.MProxy</c> is a struct whose
/// <c>DelayAsync</c>/<c>ApplyAsync</c> return <c>ValueTask&lt;TaskHandle&gt;</c> (or <c>TaskHandle&lt;R&gt;</c>)
/// and whose parameters are the task's message arguments, by name (docs/generator.md, "What is generated").
/// </summary>
internal static class EnqueueProxy
{
    public const string DelayAsync = "DelayAsync";
    public const string ApplyAsync = "ApplyAsync";
    private const string ClientName = "Client";
    private const string ProxySuffix = "Proxy";

    public static bool IsProxyMethod(IMethodSymbol method, TaskFlowSymbols symbols) =>
        method.Name is DelayAsync or ApplyAsync
        && method.ContainingType is { TypeKind: TypeKind.Struct } proxy
        && proxy.Name.EndsWith(ProxySuffix, StringComparison.Ordinal)
        && proxy.ContainingType is { Name: ClientName, ContainingType: not null }
        && symbols.IsPendingHandle(method.ReturnType);

    /// <summary>The name of the task method a proxy method sends, e.g. <c>SendWelcomeEmail</c>.</summary>
    public static string? TaskMethodName(IMethodSymbol proxyMethod, TaskFlowSymbols symbols) =>
        IsProxyMethod(proxyMethod, symbols)
            ? proxyMethod.ContainingType.Name.Substring(0, proxyMethod.ContainingType.Name.Length - ProxySuffix.Length)
            : null;

    /// <summary>The <c>[Task]</c> method a proxy method sends, when it is visible (a private task of a referenced assembly is not).</summary>
    public static IMethodSymbol? FindTaskMethod(IMethodSymbol proxyMethod, TaskFlowSymbols symbols)
    {
        var name = TaskMethodName(proxyMethod, symbols);
        if (name is null)
        {
            return null;
        }

        var container = proxyMethod.ContainingType.ContainingType!.ContainingType!;
        return container.GetMembers(name).OfType<IMethodSymbol>().FirstOrDefault(symbols.IsTaskMethod);
    }

    /// <summary>Whether proxy parameter <paramref name="parameter"/> carries a task message argument (not the options or the token).</summary>
    public static bool IsArgumentParameter(IParameterSymbol parameter, TaskFlowSymbols symbols)
    {
        var method = (IMethodSymbol)parameter.ContainingSymbol;
        if (parameter.Ordinal == method.Parameters.Length - 1 && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.CancellationToken))
        {
            return false;
        }

        // ApplyAsync's options parameter: the only SendOptions parameter named options (or _options, __options...
        // when a task argument is itself called options).
        return !(method.Name == ApplyAsync
            && SymbolEqualityComparer.Default.Equals(parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), symbols.SendOptions)
            && parameter.Name.TrimStart('_') == "options"
            && !method.Parameters.Any(other => other.Ordinal != parameter.Ordinal
                && SymbolEqualityComparer.Default.Equals(other.Type, parameter.Type)
                && other.Name.Length > parameter.Name.Length
                && other.Name.TrimStart('_') == "options"));
    }
}
