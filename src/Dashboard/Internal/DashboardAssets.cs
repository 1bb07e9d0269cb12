using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;

namespace TaskFlow.Dashboard.Internal;

/// <summary>The stylesheet and the script, embedded in the assembly (nothing is fetched from elsewhere).</summary>
internal static class DashboardAssets
{
    private static readonly Dictionary<string, (byte[] Content, string ContentType)> Files = Load();

    /// <summary>A short hash of the assets, appended to their URLs so that a new version is not served from a cache.</summary>
    public static string Version { get; } = ComputeVersion();

    public static bool TryGet(string name, out byte[] content, out string contentType)
    {
        if (Files.TryGetValue(name, out var file))
        {
            (content, contentType) = file;
            return true;
        }

        (content, contentType) = (Array.Empty<byte>(), "");
        return false;
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8") })
        {
            using var stream = assembly.GetManifestResourceStream("TaskFlow.Dashboard.Assets." + name)
                ?? throw new InvalidOperationException("TaskFlow dashboard: embedded asset missing: " + name);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name] = (copy.ToArray(), type);
        }

        return files;
    }

    private static string ComputeVersion()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (content, _) in Files.Values)
        {
            hash.AppendData(content);
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..12].ToLowerInvariant();
    }
}
