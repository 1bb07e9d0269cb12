using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;

namespace TaskFlow.Telemetry.Tests;

/// <summary>
/// The spans OpenTelemetry's in-memory exporter hands over (it adds to an <see cref="ICollection{T}"/> from the
/// threads that end spans): safe to read while spans are added; enumerating takes a snapshot.
/// </summary>
internal sealed class ExportedSpans : ICollection<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public int Count => _spans.Count;

    public bool IsReadOnly => false;

    public void Add(Activity item) => _spans.Enqueue(item);

    /// <summary>
    /// The spans exported so far, as one snapshot. Read them this way, not with <c>ToList()</c>: that reads
    /// <see cref="Count"/> and then copies, and a span exported in between overflows the copy (CI saw it).
    /// </summary>
    public Activity[] Snapshot() => _spans.ToArray();

    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)_spans.ToArray()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Clear() => throw new NotSupportedException();

    public bool Contains(Activity item) => throw new NotSupportedException();

    public void CopyTo(Activity[] array, int arrayIndex) => _spans.CopyTo(array, arrayIndex);

    public bool Remove(Activity item) => throw new NotSupportedException();
}
