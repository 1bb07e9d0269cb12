using Microsoft.CodeAnalysis;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
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
