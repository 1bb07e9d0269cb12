using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;
using TaskFlow.Core.Replay;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The queue heartbeat's figures (<c>AddProbe</c>) from <see cref="RabbitMqQueueAdmin"/>: management API, else passive declares.</summary>
internal sealed class RabbitMqQueueStatsReader : IQueueStatsReader
{
    private readonly RabbitMqQueueAdmin _admin;
    private readonly TimeProvider _time;

    public RabbitMqQueueStatsReader(RabbitMqQueueAdmin admin, TimeProvider time)
    {
        _admin = admin;
        _time = time;
    }

    public async Task<IReadOnlyList<QueueSnapshot>> ReadAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var stats = await _admin.GetQueueStatsAsync(queues, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        return stats.Select(s => new QueueSnapshot(s.Name, s.Ready, s.Unacknowledged, s.Consumers, s.PublishRate, s.DeliverRate, s.OldestMessageAge, s.DeadLetters, now)).ToList();
    }
}

/// <summary><c>taskflow replay &lt;task-id&gt;</c>: finds the task's dead letter without taking it (one queue, or every TaskFlow queue).</summary>
internal sealed class RabbitMqDeadLetterSource : IDeadLetterSource
{
    private readonly RabbitMqQueueAdmin _admin;

    public RabbitMqDeadLetterSource(RabbitMqQueueAdmin admin)
    {
        _admin = admin;
    }

    public async ValueTask<ReplayMessage?> FindAsync(string taskId, string? queue, CancellationToken cancellationToken)
    {
        var queues = queue is not null
            ? [queue]
            : (await _admin.GetQueueStatsAsync(null, cancellationToken).ConfigureAwait(false)).Where(q => q.DeadLetterQueue is not null).Select(q => q.Name).ToList();
        var filter = new DeadLetterFilter { Limit = 1 };
        filter.TaskIds.Add(taskId);
        foreach (var name in queues)
        {
            var found = await _admin.ListDeadLettersAsync(name, filter, cancellationToken).ConfigureAwait(false);
            if (found.Count > 0)
            {
                var dead = found[0];
                var headers = dead.Headers.ToDictionary(h => h.Key, h => Header(h.Value), StringComparer.Ordinal);
                return new ReplayMessage(dead.Queue, headers, dead.ContentType, dead.Body, $"dead letter in {dead.DeadLetterQueue}");
            }
        }

        return null;
    }

    /// <summary>Header values come as text (lists and tables as JSON): lists such as Celery's <c>timelimit</c> become lists again.</summary>
    private static object? Header(string? value)
    {
        if (value is { Length: > 1 } && value[0] == '[')
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(value);
                return document.RootElement.EnumerateArray().Select(e => e.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.Number => (object?)e.GetDouble(),
                    System.Text.Json.JsonValueKind.String => e.GetString(),
                    _ => null,
                }).ToList();
            }
            catch (System.Text.Json.JsonException)
            {
                return value;
            }
        }

        return value;
    }
}
