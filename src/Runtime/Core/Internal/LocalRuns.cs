using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace TaskFlow.Core.Internal;

/// <summary>
/// Task ids running in this process, and the few whose run finished after their delivery could no longer be settled
/// (the channel closed under a long task, e.g. RabbitMQ's <c>consumer_timeout</c>). The broker hands such a message
/// back while its run goes on; the copy must neither run beside it nor, once it finished, run again.
/// </summary>
internal sealed class LocalRuns
{
    /// <summary>How long a finished run whose ack was lost is remembered, so that its redelivered copy is skipped.</summary>
    public static readonly TimeSpan LostAckMemory = TimeSpan.FromMinutes(30);

    private const int MaxLostAcks = 10_000;

    private readonly ConcurrentDictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Outcome, DateTimeOffset At)> _lostAcks = new(StringComparer.Ordinal);

    public bool IsRunning(string taskId) => _running.ContainsKey(taskId);

    public void Begin(string taskId) => _running.AddOrUpdate(taskId, 1, static (_, n) => n + 1);

    public void End(string taskId)
    {
        while (_running.TryGetValue(taskId, out var n))
        {
            if (n <= 1 ? _running.TryRemove(new KeyValuePair<string, int>(taskId, n)) : _running.TryUpdate(taskId, n - 1, n))
            {
                return;
            }
        }
    }

    /// <summary>A run finished with a final <paramref name="outcome"/> but its message could not be acked.</summary>
    public void AckLost(string taskId, string outcome, DateTimeOffset now)
    {
        if (_lostAcks.Count >= MaxLostAcks)
        {
            foreach (var (id, entry) in _lostAcks)
            {
                if (now - entry.At > LostAckMemory)
                {
                    _lostAcks.TryRemove(id, out _);
                }
            }
        }

        _lostAcks[taskId] = (outcome, now);
    }

    /// <summary>The final outcome of a recent run of <paramref name="taskId"/> whose ack was lost, if any.</summary>
    public string? FinishedWithLostAck(string taskId, DateTimeOffset now) =>
        !_lostAcks.IsEmpty && _lostAcks.TryGetValue(taskId, out var entry) && now - entry.At <= LostAckMemory ? entry.Outcome : null;
}
