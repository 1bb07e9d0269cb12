using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// <c>[Task(RateLimit = "100/m")]</c>: before a limited task runs, it reserves its slot in the store
/// (<see cref="IRateLimitStore"/>, GCRA); a slot in the future sends the task round the delay levels until then, carrying
/// the reservation (<see cref="Protocol.MessageHeaders.RateSlot"/>) so that it runs on arrival without asking again.
/// </summary>
internal sealed class RateLimits
{
    /// <summary>No limits (replay, which runs one task in-process for a debugger).</summary>
    public static readonly RateLimits None = new(null);

    /// <summary>A slot at most this far ahead is waited for in the task slot (exact spacing, no trip round the delay levels); a later one is deferred.</summary>
    public static readonly TimeSpan WaitInline = TimeSpan.FromMilliseconds(25);

    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    private readonly IRateLimitStore? _store;

    public RateLimits(IRateLimitStore? store)
    {
        _store = store;
    }

    /// <summary>The key a limited task's rate belongs to: its rate-limit key, else the task as a whole.</summary>
    public static string KeyOf(TaskDescriptor task, TaskHeaders headers) => headers.RateLimitKey ?? "task:" + task.Name;

    /// <summary>Whether <paramref name="task"/> runs under a rate limit here.</summary>
    public bool Applies(TaskDescriptor task) => task.RateLimit is not null && _store is not null;

    /// <summary>Reserves the next slot of the task's key; the time the run may start (<paramref name="now"/> when at once).</summary>
    public async Task<DateTimeOffset> ReserveAsync(TaskDescriptor task, TaskHeaders headers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var limit = task.RateLimit!;
        var interval = limit.EmissionInterval.Ticks;
        var at = now.UtcTicks - UnixEpochTicks;
        var tat = await _store!.ReserveAsync(KeyOf(task, headers), at, interval, cancellationToken).ConfigureAwait(false);
        var slot = Gcra.Slot(tat, at, interval, Gcra.Tolerance(interval, limit.Burst));
        return new DateTimeOffset(slot + UnixEpochTicks, TimeSpan.Zero);
    }

    /// <summary>Start-up errors: rate-limited tasks in a process without a state store.</summary>
    public IEnumerable<string> Problems(IEnumerable<TaskDescriptor> tasks)
    {
        if (_store is not null)
        {
            yield break;
        }

        foreach (var task in tasks)
        {
            if (task.RateLimit is { } limit)
            {
                yield return $"Task {task.Name} is declared [Task(RateLimit = \"{limit.Count}/{Unit(limit.Period)}\")], which is enforced across workers in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove RateLimit.";
            }
        }
    }

    private static string Unit(TimeSpan period) => period == TimeSpan.FromSeconds(1) ? "s" : period == TimeSpan.FromMinutes(1) ? "m" : "h";
}
