using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace TaskFlow.Core;

/// <summary>
/// An outgoing message's headers: a small table in insertion order, looked up by a linear search, instead of a hash
/// table. A Celery message carries 10-16 headers, each written once and read a few times; a
/// <see cref="Dictionary{TKey, TValue}"/> sized for them costs about 600 bytes per message (its object, buckets and
/// entries), this table about 300. RabbitMQ.Client takes any <see cref="IDictionary{TKey, TValue}"/> as
/// <c>BasicProperties.Headers</c> and enumerates it twice per publish (to size the frame, then to write it); the
/// enumerator is kept by the table and handed out again once disposed, so enumerating allocates nothing.
/// Keys are compared ordinally (as the <c>StringComparer.Ordinal</c> dictionary it replaces), the same key object
/// first. Not thread-safe for writes, like <see cref="Dictionary{TKey, TValue}"/>; concurrent readers are safe.
/// </summary>
internal sealed class HeaderTable : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    private KeyValuePair<string, object?>[] _entries;
    private int _count;
    private int _version;
    private Enumerator? _spare;

    /// <summary>An empty table with room for <paramref name="capacity"/> headers before it grows.</summary>
    public HeaderTable(int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _entries = capacity == 0 ? [] : new KeyValuePair<string, object?>[capacity];
    }

    /// <summary>A table holding <paramref name="headers"/> (e.g. read back from the outbox); a repeated key keeps its last value.</summary>
    public HeaderTable(IEnumerable<KeyValuePair<string, object?>> headers)
        : this(headers is ICollection<KeyValuePair<string, object?>> collection ? collection.Count : 16)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var (key, value) in headers)
        {
            this[key] = value;
        }
    }

    public int Count => _count;

    public bool IsReadOnly => false;

    public object? this[string key]
    {
        get => IndexOf(key) is var i and >= 0 ? _entries[i].Value : throw new KeyNotFoundException($"The header '{key}' is not in the table.");
        set
        {
            var i = IndexOf(key);
            if (i >= 0)
            {
                _entries[i] = new KeyValuePair<string, object?>(_entries[i].Key, value);
                _version++;
            }
            else
            {
                Append(key, value);
            }
        }
    }

    public ICollection<string> Keys
    {
        get
        {
            var keys = new string[_count];
            for (var i = 0; i < _count; i++)
            {
                keys[i] = _entries[i].Key;
            }

            return keys;
        }
    }

    public ICollection<object?> Values
    {
        get
        {
            var values = new object?[_count];
            for (var i = 0; i < _count; i++)
            {
                values[i] = _entries[i].Value;
            }

            return values;
        }
    }

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => Values;

    public void Add(string key, object? value)
    {
        if (IndexOf(key) >= 0)
        {
            throw new ArgumentException($"The header '{key}' is already in the table.", nameof(key));
        }

        Append(key, value);
    }

    public void Add(KeyValuePair<string, object?> item) => Add(item.Key, item.Value);

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = null;
            return false;
        }

        value = _entries[i].Value;
        return true;
    }

    public bool Remove(string key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return false;
        }

        RemoveAt(i);
        return true;
    }

    public bool Remove(KeyValuePair<string, object?> item)
    {
        var i = IndexOf(item.Key);
        if (i < 0 || !EqualityComparer<object?>.Default.Equals(_entries[i].Value, item.Value))
        {
            return false;
        }

        RemoveAt(i);
        return true;
    }

    public bool Contains(KeyValuePair<string, object?> item) =>
        IndexOf(item.Key) is var i and >= 0 && EqualityComparer<object?>.Default.Equals(_entries[i].Value, item.Value);

    public void Clear()
    {
        Array.Clear(_entries, 0, _count);
        _count = 0;
        _version++;
    }

    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
        if (array.Length - arrayIndex < _count)
        {
            throw new ArgumentException("The array is too small for the table's headers.", nameof(array));
        }

        Array.Copy(_entries, 0, array, arrayIndex, _count);
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        var enumerator = Interlocked.Exchange(ref _spare, null) ?? new Enumerator(this);
        enumerator.Start();
        return enumerator;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entries = _entries;
        for (var i = 0; i < _count; i++)
        {
            var k = entries[i].Key;
            if (ReferenceEquals(k, key) || string.Equals(k, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void Append(string key, object? value)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(4, _entries.Length * 2));
        }

        _entries[_count++] = new KeyValuePair<string, object?>(key, value);
        _version++;
    }

    private void RemoveAt(int i)
    {
        _count--;
        if (i < _count)
        {
            Array.Copy(_entries, i + 1, _entries, i, _count - i);
        }

        _entries[_count] = default;
        _version++;
    }

    /// <summary>The table's enumerator: handed out again after <see cref="Dispose"/> (a <c>foreach</c> disposes it).</summary>
    private sealed class Enumerator(HeaderTable table) : IEnumerator<KeyValuePair<string, object?>>
    {
        private int _index;
        private int _version;
        private bool _disposed;

        public KeyValuePair<string, object?> Current { get; private set; }

        object IEnumerator.Current => Current;

        public void Start()
        {
            _index = 0;
            _version = table._version;
            _disposed = false;
            Current = default;
        }

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_version != table._version)
            {
                throw new InvalidOperationException("The headers were changed while they were being enumerated.");
            }

            if (_index < table._count)
            {
                Current = table._entries[_index++];
                return true;
            }

            Current = default;
            return false;
        }

        public void Reset() => Start();

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Current = default;
            Volatile.Write(ref table._spare, this);
        }
    }
}
