using System;
using System.Collections.Concurrent;
using System.Text;
using System.Threading;

namespace TaskFlow.Core;

/// <summary>
/// One string per distinct short UTF-8 value of a header whose values repeat from message to message (the task name):
/// a delivery decodes it into a stack buffer and looks the characters up, so it allocates nothing for a name seen
/// before. Bounded: after <see cref="MaxEntries"/> distinct values (a flood of made-up names) new ones are decoded
/// each time and not kept.
/// </summary>
internal sealed class KnownStrings
{
    /// <summary>Longer values (in bytes) are decoded each time, not kept.</summary>
    public const int MaxLength = 256;

    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _reserved;

    public KnownStrings(int maxEntries)
    {
        MaxEntries = maxEntries;
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The process's task names: 4,096 distinct ones at most.</summary>
    public static KnownStrings Shared { get; } = new(4096);

    /// <summary>Distinct values kept at most.</summary>
    public int MaxEntries { get; }

    /// <summary>Distinct values kept (counts them: for tests).</summary>
    public int Count => _strings.Count;

    /// <summary>The string of <paramref name="utf8"/> (invalid sequences become U+FFFD, as <see cref="Encoding.GetString(byte[])"/> makes them).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxLength];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        var text = chars[..length];
        if (_lookup.TryGetValue(text, out var known))
        {
            return known;
        }

        var created = new string(text);
        // A slot is reserved before the add, so the dictionary never holds more than MaxEntries, however many threads add at once.
        if (Volatile.Read(ref _reserved) < MaxEntries)
        {
            if (Interlocked.Increment(ref _reserved) > MaxEntries || !_strings.TryAdd(created, created))
            {
                Interlocked.Decrement(ref _reserved);
            }
        }

        return created;
    }
}
