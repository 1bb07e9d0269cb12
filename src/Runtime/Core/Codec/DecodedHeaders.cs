using System;
using System.Collections.Generic;

namespace TaskFlow.Core;

/// <summary>
/// A message's headers as the task sees them (<see cref="TaskContext.Headers"/>): string values decoded from the
/// UTF-8 bytes the transport hands over, on access. Nothing is copied per delivery.
/// </summary>
internal sealed class DecodedHeaders : IReadOnlyDictionary<string, object?>
{
    private readonly IDictionary<string, object?> _raw;

    public DecodedHeaders(IDictionary<string, object?> raw)
    {
        _raw = raw;
    }

    /// <summary>The transport's own values (UTF-8 bytes for strings), for readers that can use them undecoded.</summary>
    public IDictionary<string, object?> Source => _raw;

    public int Count => _raw.Count;

    public IEnumerable<string> Keys => _raw.Keys;

    public IEnumerable<object?> Values
    {
        get
        {
            foreach (var value in _raw.Values)
            {
                yield return HeaderValues.Decode(value);
            }
        }
    }

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no header '{key}'");

    public bool ContainsKey(string key) => _raw.ContainsKey(key);

    public bool TryGetValue(string key, out object? value)
    {
        if (_raw.TryGetValue(key, out var raw))
        {
            value = HeaderValues.Decode(raw);
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var (key, value) in _raw)
        {
            yield return new KeyValuePair<string, object?>(key, HeaderValues.Decode(value));
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
