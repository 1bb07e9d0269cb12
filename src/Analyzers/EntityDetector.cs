using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskFlow.Shared;

namespace TaskFlow.Analyzers;

/// <summary>An entity type and how it was recognized.</summary>
/// <param name="Type">The entity type.</param>
/// <param name="Keys">Its key properties: one for a simple key, several for a composite key, none when unknown.</param>
/// <param name="Reason">Why it is an entity, for the message: "it has the key property 'Id'".</param>
internal sealed record EntityInfo(INamedTypeSymbol Type, ImmutableArray<IPropertySymbol> Keys, string Reason)
{
    public IPropertySymbol? SingleKey => Keys.Length == 1 ? Keys[0] : null;
}

/// <summary>
/// Tells entities (rows with an identity that change over time) from values (ids, strings, records that only carry
/// data). A class is an entity when:
/// <list type="bullet">
/// <item>it has a key: a property marked <c>[Key]</c> (System.ComponentModel.DataAnnotations), named in an EF Core
/// <c>[PrimaryKey]</c>, or named <c>Id</c> or <c>{Type}Id</c> (EF Core's conventions, ignoring case);</item>
/// <item>it is exposed as <c>DbSet&lt;T&gt;</c> by a class deriving from a type named <c>DbContext</c>, in this
/// compilation or in a referenced assembly that is not strong-named (EF Core itself is not needed);</item>
/// <item>it derives from, or implements, a type listed in <c>.editorconfig</c>:
/// <c>taskflow.entity_base_types = My.Domain.Entity, My.Domain.IAggregateRoot</c>.</item>
/// </list>
/// Structs, enums, interfaces and the types of System.*, Microsoft.* and TaskFlow are never entities.
/// One instance per compilation; thread-safe.
/// </summary>
internal sealed class EntityDetector
{
    /// <summary>The .editorconfig key listing entity base types (full names, comma or semicolon separated).</summary>
    public const string BaseTypesOption = "taskflow.entity_base_types";

    /// <summary>The diagnostic property that carries the name of the entity's key property to the code fix.</summary>
    public const string KeyPropertyName = "KeyProperty";

    private static readonly char[] s_separators = { ',', ';' };
    private static readonly char[] s_genericMarkers = { '<', '`' };

    private readonly Compilation _compilation;
    private readonly AnalyzerConfigOptionsProvider _options;
    private readonly Lazy<ImmutableHashSet<ITypeSymbol>> _dbSetEntities;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<ITypeSymbol, EntityInfo?>> _cache = new(StringComparer.Ordinal);

    public EntityDetector(Compilation compilation, AnalyzerConfigOptionsProvider options)
    {
        _compilation = compilation;
        _options = options;
        _dbSetEntities = new Lazy<ImmutableHashSet<ITypeSymbol>>(FindDbSetEntities, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The entity <paramref name="type"/> is, or <c>null</c>. <paramref name="tree"/> selects the .editorconfig section.</summary>
    public EntityInfo? Detect(ITypeSymbol? type, SyntaxTree? tree)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class } named || named.SpecialType != SpecialType.None)
        {
            return null;
        }

        var baseTypes = ReadBaseTypes(tree);
        var cache = _cache.GetOrAdd(baseTypes, static _ => new ConcurrentDictionary<ITypeSymbol, EntityInfo?>(SymbolEqualityComparer.Default));
        return cache.GetOrAdd(named.WithNullableAnnotation(NullableAnnotation.NotAnnotated), candidate => Compute((INamedTypeSymbol)candidate, baseTypes));
    }

    /// <summary>The entity that <paramref name="type"/> holds as the element of an array or a collection, or <c>null</c>.</summary>
    public EntityInfo? DetectElement(ITypeSymbol? type, SyntaxTree? tree)
    {
        var element = ElementType(type);
        return element is null ? null : Detect(element, tree);
    }

    /// <summary>The element type of an array or of a type implementing <c>IEnumerable&lt;T&gt;</c> (not string).</summary>
    public static ITypeSymbol? ElementType(ITypeSymbol? type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return array.ElementType;
            case INamedTypeSymbol named when named.SpecialType != SpecialType.System_String:
                var enumerable = named.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
                    ? named
                    : named.AllInterfaces.FirstOrDefault(static candidate => candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
                return enumerable?.TypeArguments[0];
            default:
                return null;
        }
    }

    /// <summary>The name a key parameter gets: <c>user</c> + <c>Id</c> -> <c>userId</c>; <c>customer</c> + key <c>UserId</c> -> <c>customerId</c>.</summary>
    public static string KeyParameterName(string entityParameterName, INamedTypeSymbol entity, IPropertySymbol key)
    {
        var keyName = key.Name;
        for (INamedTypeSymbol? current = entity; current is not null; current = current.BaseType)
        {
            if (string.Equals(keyName, current.Name + "Id", StringComparison.OrdinalIgnoreCase))
            {
                keyName = "Id";
                break;
            }
        }

        if (string.Equals(keyName, "Id", StringComparison.OrdinalIgnoreCase))
        {
            keyName = "Id";
        }

        return entityParameterName + char.ToUpperInvariant(keyName[0]) + keyName.Substring(1);
    }

    private EntityInfo? Compute(INamedTypeSymbol type, string baseTypes)
    {
        if (IsExcludedNamespace(type))
        {
            return null;
        }

        var keys = FindKeys(type);
        var configured = FindConfiguredBase(type, baseTypes);
        if (configured is not null)
        {
            return new EntityInfo(type, keys, "it derives from '" + configured + "', listed in " + BaseTypesOption);
        }

        if (_dbSetEntities.Value.Contains(type.OriginalDefinition))
        {
            return new EntityInfo(type, keys, "it is exposed as a DbSet<" + type.Name + "> by a DbContext");
        }

        if (keys.Length > 0)
        {
            var names = string.Join("', '", keys.Select(static key => key.Name));
            return new EntityInfo(type, keys, (keys.Length == 1 ? "it has the key property '" : "it has the key properties '") + names + "'");
        }

        return null;
    }

    private static bool IsExcludedNamespace(INamedTypeSymbol type)
    {
        var root = type.ContainingNamespace;
        while (root is { ContainingNamespace.IsGlobalNamespace: false })
        {
            root = root.ContainingNamespace;
        }

        return root is { IsGlobalNamespace: false, Name: "System" or "Microsoft" or "TaskFlow" };
    }

    private static ImmutableArray<IPropertySymbol> FindKeys(INamedTypeSymbol type)
    {
        var properties = new List<IPropertySymbol>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (!property.IsStatic && !property.IsIndexer && property.GetMethod is not null
                    && property.DeclaredAccessibility == Accessibility.Public && seen.Add(property.Name))
                {
                    properties.Add(property);
                }
            }
        }

        var marked = properties.Where(static property => property.GetAttributes().Any(static attribute =>
                attribute.AttributeClass is { Name: "KeyAttribute" } attributeClass
                && TypeNames.IsInNamespace(attributeClass, "System.ComponentModel.DataAnnotations")))
            .ToImmutableArray();
        if (marked.Length > 0)
        {
            return marked;
        }

        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            var primaryKey = current.GetAttributes().FirstOrDefault(static attribute => attribute.AttributeClass is { Name: "PrimaryKeyAttribute" });
            if (primaryKey is not null)
            {
                var names = primaryKey.ConstructorArguments
                    .SelectMany(static argument => argument.Kind == TypedConstantKind.Array ? argument.Values : ImmutableArray.Create(argument))
                    .Select(static argument => argument.Value as string)
                    .Where(static name => name is not null)
                    .ToList();
                var keys = names.Select(name => properties.FirstOrDefault(property => property.Name == name)).Where(static property => property is not null).Select(static property => property!).ToImmutableArray();
                if (keys.Length == names.Count && keys.Length > 0)
                {
                    return keys;
                }
            }
        }

        var id = properties.FirstOrDefault(static property => string.Equals(property.Name, "Id", StringComparison.OrdinalIgnoreCase));
        if (id is not null)
        {
            return ImmutableArray.Create(id);
        }

        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            var typeId = properties.FirstOrDefault(property => string.Equals(property.Name, current.Name + "Id", StringComparison.OrdinalIgnoreCase));
            if (typeId is not null)
            {
                return ImmutableArray.Create(typeId);
            }
        }

        return ImmutableArray<IPropertySymbol>.Empty;
    }

    private string ReadBaseTypes(SyntaxTree? tree)
    {
        string? value = null;
        if (tree is not null)
        {
            _options.GetOptions(tree).TryGetValue(BaseTypesOption, out value);
        }

        if (value is null)
        {
            _options.GlobalOptions.TryGetValue(BaseTypesOption, out value);
        }

        return value?.Trim() ?? string.Empty;
    }

    private static string? FindConfiguredBase(INamedTypeSymbol type, string baseTypes)
    {
        if (baseTypes.Length == 0)
        {
            return null;
        }

        var configured = new HashSet<string>(
            baseTypes.Split(s_separators, StringSplitOptions.RemoveEmptyEntries).Select(static entry => Normalize(entry)).Where(static entry => entry.Length > 0),
            StringComparer.Ordinal);
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            var name = FullName(current);
            if (configured.Contains(name))
            {
                return name;
            }
        }

        foreach (var @interface in type.AllInterfaces)
        {
            var name = FullName(@interface);
            if (configured.Contains(name))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary><c>global::My.Domain.Entity&lt;TId&gt;</c> and <c>My.Domain.Entity`1</c> both become <c>My.Domain.Entity</c>.</summary>
    private static string Normalize(string entry)
    {
        var name = entry.Trim();
        if (name.StartsWith("global::", StringComparison.Ordinal))
        {
            name = name.Substring("global::".Length);
        }

        var end = name.IndexOfAny(s_genericMarkers);
        return (end >= 0 ? name.Substring(0, end) : name).Trim();
    }

    private static string FullName(INamedTypeSymbol type)
    {
        var name = type.Name;
        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            name = container.Name + "." + name;
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }

    private ImmutableHashSet<ITypeSymbol> FindDbSetEntities()
    {
        var entities = ImmutableHashSet.CreateBuilder<ITypeSymbol>(SymbolEqualityComparer.Default);
        VisitNamespace(_compilation.Assembly.GlobalNamespace, entities);
        foreach (var assembly in _compilation.SourceModule.ReferencedAssemblySymbols)
        {
            // Framework and library assemblies are strong-named; an application's own data assembly usually is not.
            if (!assembly.Identity.IsStrongName && !assembly.Name.StartsWith("System", StringComparison.Ordinal)
                && !assembly.Name.StartsWith("Microsoft", StringComparison.Ordinal) && assembly.Name != "TaskFlow")
            {
                VisitNamespace(assembly.GlobalNamespace, entities);
            }
        }

        return entities.ToImmutable();
    }

    private static void VisitNamespace(INamespaceSymbol @namespace, ImmutableHashSet<ITypeSymbol>.Builder entities)
    {
        foreach (var member in @namespace.GetMembers())
        {
            if (member is INamespaceSymbol child)
            {
                VisitNamespace(child, entities);
            }
            else if (member is INamedTypeSymbol type)
            {
                VisitType(type, entities);
            }
        }
    }

    private static void VisitType(INamedTypeSymbol type, ImmutableHashSet<ITypeSymbol>.Builder entities)
    {
        if (type.TypeKind == TypeKind.Class && DerivesFromDbContext(type))
        {
            for (INamedTypeSymbol? current = type; current is not null && current.Name != "DbContext"; current = current.BaseType)
            {
                foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
                {
                    if (property.Type is INamedTypeSymbol { Name: "DbSet", Arity: 1 } set && set.TypeArguments[0] is INamedTypeSymbol entity)
                    {
                        entities.Add(entity.OriginalDefinition);
                    }
                }
            }
        }

        foreach (var nested in type.GetTypeMembers())
        {
            VisitType(nested, entities);
        }
    }

    private static bool DerivesFromDbContext(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.Name == "DbContext")
            {
                return true;
            }
        }

        return false;
    }
}
