using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace TaskFlow.TestSupport;

/// <summary>
/// Assembly files for the metadata references of Roslyn compilations in tests (<c>MetadataReference.CreateFromFile</c>
/// each): taken from what the test host runs on, so that a compilation sees the same framework as the test.
/// </summary>
public static class ReferenceAssemblies
{
    /// <summary>The runtime's TRUSTED_PLATFORM_ASSEMBLIES: the shared frameworks and the test's own dependencies.</summary>
    public static IReadOnlyList<string> TrustedPlatform { get; } =
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? throw new InvalidOperationException("The runtime has no TRUSTED_PLATFORM_ASSEMBLIES."))
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The trusted platform assemblies in the folders of <paramref name="folderOf"/> (<c>typeof(object).Assembly</c> for
    /// Microsoft.NETCore.App; an ASP.NET Core assembly for Microsoft.AspNetCore.App), plus the files of
    /// <paramref name="include"/>: distinct, ordered by path.
    /// </summary>
    public static IReadOnlyList<string> InFoldersOf(IEnumerable<Assembly> folderOf, IEnumerable<Assembly>? include = null)
    {
        ArgumentNullException.ThrowIfNull(folderOf);
        var directories = new HashSet<string>(folderOf.Select(assembly => Path.GetDirectoryName(assembly.Location)!), StringComparer.Ordinal);
        return TrustedPlatform
            .Where(path => directories.Contains(Path.GetDirectoryName(path)!))
            .Concat((include ?? []).Select(assembly => assembly.Location))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Every trusted platform assembly, then the <c>*.dll</c> files of <paramref name="folder"/> (e.g. the test's own
    /// bin folder, for what a project depends on) that <paramref name="include"/> accepts; one file per assembly file name,
    /// the first found.
    /// </summary>
    public static IReadOnlyList<string> PlatformAndFolder(string folder, Func<string, bool>? include = null)
    {
        var local = Directory.EnumerateFiles(folder, "*.dll").Where(path => include?.Invoke(path) ?? true);
        return TrustedPlatform.Concat(local)
            .GroupBy(path => Path.GetFileName(path), StringComparer.OrdinalIgnoreCase)
            .Select(group => group.First())
            .ToList();
    }
}
