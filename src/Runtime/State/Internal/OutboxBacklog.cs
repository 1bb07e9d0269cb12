using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// What one outbox relay last read of its backlog, for the gauges of <see cref="StateMetrics"/>. The relay refreshes it
/// between passes, at most once per <see cref="RefreshInterval"/> and only while someone collects the gauges; the age
/// of the oldest transaction keeps growing between refreshes (it is computed when collected).
/// </summary>
internal sealed class OutboxBacklog
{
    /// <summary>The least time between two reads of the backlog.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly OutboxRecords _outbox;
    private readonly TimeProvider _time;
    private long _nextRead;
    private Reading? _read;

    public OutboxBacklog(OutboxRecords outbox, string schema, TimeProvider time)
    {
        _outbox = outbox;
        _time = time;
        Tags = [new("taskflow.state.schema", schema)];
    }

    /// <summary>The gauges' attributes: the store's schema (several stores in one process are told apart).</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>The last reading, or <c>null</c> before the first.</summary>
    public Reading? Read => Volatile.Read(ref _read);

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Reads the backlog if someone collects the gauges and the last read is older than <see cref="RefreshInterval"/>.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!StateMetrics.OutboxObserved || _time.GetTimestamp() < _nextRead)
        {
            return;
        }

        _nextRead = _time.GetTimestamp() + (long)(RefreshInterval.TotalSeconds * _time.TimestampFrequency);
        var (messages, oldest) = await _outbox.GetBacklogAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _read, new Reading(messages, oldest));
    }

    /// <summary>One read: messages waiting, and when the oldest waiting transaction was written.</summary>
    public sealed record Reading(long Messages, DateTimeOffset? Oldest);
}
