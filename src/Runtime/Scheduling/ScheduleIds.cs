using System;
using System.Security.Cryptography;
using System.Text;

namespace TaskFlow.Scheduling;

/// <summary>
/// The task id of a fire: a name-based UUID (version 5, SHA-1) of the schedule's name and the fire's time, so every
/// scheduler derives the same id for the same fire and the store's key on it rejects a second record of it.
/// </summary>
internal static class ScheduleIds
{
    private static readonly Guid Namespace = new("5f0e3c8e-6a43-4a8e-9d1b-7b0f6a2c9e41");

    /// <summary>The task id of the fire of <paramref name="schedule"/> at <paramref name="fireAt"/>.</summary>
    public static string TaskId(string schedule, DateTimeOffset fireAt) =>
        NameBased($"{schedule}\n{fireAt.UtcTicks}").ToString();

    /// <summary>The task id of a fire triggered by hand at <paramref name="at"/>.</summary>
    public static string TriggeredTaskId(string schedule, DateTimeOffset at) =>
        NameBased($"{schedule}\ntrigger\n{at.UtcTicks}").ToString();

    private static Guid NameBased(string name)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(name.Length)];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        var length = 16 + Encoding.UTF8.GetBytes(name, input[16..]);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 specifies for version-5 UUIDs; not a security use.
        SHA1.HashData(input[..length], hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
