using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// <c>[Task(RateLimit = "100/m")]</c>: before a limited task runs, it reserves its slots in the store
/// (<see cref="IRateLimitStore"/>, GCRA, <see cref="AdmitAsync"/>); a slot in the future sends the task round the delay
/// levels until then, carrying the reservation (<see cref="Protocol.MessageHeaders.RateSlot"/>) so that it is not asked again.
/// </summary>
internal sealed class RateLimits
{
    /// <summary>No limits (replay, which runs one task in-process for a debugger).</summary>
    public static readonly RateLimits None = new(null);

    /// <summary>An arrival slot at most this far ahead counts as come (the delay levels round up, so a copy is never early by more).</summary>
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

    /// <summary>
    /// Decides one delivery of a rate-limited task, in two steps on the key's row (two GCRA clocks):
    /// <list type="number">
    /// <item>its <b>arrival slot</b> (<c>tat</c>): a new message reserves the next one; while it is ahead the message waits
    /// round the delay levels, carrying it (so a flood comes back spread out at the rate, not as a herd);</item>
    /// <item>its <b>start slot</b> (<c>start_tat</c>): once its arrival slot came, it reserves the next start. The broker
    /// may deliver late and in clumps; the start clock spaces what actually starts, so no period ever sees more than
    /// count + burst starts. A start up to <see cref="MaxInlineWait"/> ahead is waited for in the task slot; a later one
    /// is waited for round the delay levels, and a message coming back more than half an interval after its start slot
    /// takes a new one.</item>
    /// </list>
    /// </summary>
    public async Task<RateDecision> AdmitAsync(TaskDescriptor task, TaskHeaders headers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var limit = task.RateLimit!;
        var interval = limit.EmissionInterval;
        if (headers.RateStart is { } start)
        {
            if (start - now > WaitInline)
            {
                return new RateDecision(start, start, headers.RateSlot, start); // early: round again, same slots
            }

            if (now - start <= interval / 2)
            {
                return new RateDecision(null, start, headers.RateSlot, null);
            }

            // Came back too late for its start slot (which went unused): it takes a new one.
        }
        else
        {
            var slot = headers.RateSlot ?? await ReserveAsync(task, headers, start: false, now, cancellationToken).ConfigureAwait(false);
            if (slot - now > WaitInline)
            {
                return new RateDecision(slot, slot, slot, null);
            }
        }

        var at = await ReserveAsync(task, headers, start: true, now, cancellationToken).ConfigureAwait(false);
        return at - now <= MaxInlineWait(interval)
            ? new RateDecision(null, at, headers.RateSlot, null)
            : new RateDecision(at, at, headers.RateSlot, at);
    }

    /// <summary>How far ahead a start slot is waited for in the task slot: four intervals, from <see cref="WaitInline"/> to one second.</summary>
    public static TimeSpan MaxInlineWait(TimeSpan interval) =>
        TimeSpan.FromTicks(Math.Clamp(interval.Ticks * 4, WaitInline.Ticks, TimeSpan.TicksPerSecond));

    private async Task<DateTimeOffset> ReserveAsync(TaskDescriptor task, TaskHeaders headers, bool start, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var limit = task.RateLimit!;
        var interval = limit.EmissionInterval.Ticks;
        var at = now.UtcTicks - UnixEpochTicks;
        var tat = await _store!.ReserveAsync(KeyOf(task, headers), start, at, interval, cancellationToken).ConfigureAwait(false);
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
