using Microsoft.CodeAnalysis;

namespace TaskFlow.Shared;

/// <summary>
/// Matches symbols by namespace and metadata name, for the types the generator and the analyzers know by name only
/// (they need not be referenced by the compilation). Compiled into both.
/// </summary>
internal static class TypeNames
{
    /// <summary>
    /// Whether <paramref name="type"/> (or its generic definition) is the top-level type <paramref name="metadataName"/>
    /// (<c>Task`1</c> for a generic) of namespace <paramref name="namespace"/> exactly.
    /// </summary>
    public static bool IsType(ITypeSymbol type, string @namespace, string metadataName) =>
        type.OriginalDefinition.MetadataName == metadataName && type.ContainingType is null && IsInNamespace(type, @namespace);

    /// <summary>Whether <paramref name="symbol"/> is declared directly in namespace <paramref name="namespace"/> (e.g. <c>System.Threading</c>), not in a namespace nested in it.</summary>
    public static bool IsInNamespace(ISymbol symbol, string @namespace)
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
}
