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
    /// round the delay levels, carrying it, so a flood comes back spread out at the rate instead of as a herd;</item>
    /// <item>its <b>start</b> (<c>start_tat</c>): once its arrival slot came, it takes the next start slot if that is at most
    /// <see cref="MaxInlineWait"/> ahead (1-5 s), and waits for it in the task slot. The broker may deliver late and in clumps; the
    /// start clock spaces what actually starts, so no period ever sees more than count + burst - 1 starts. When the next
    /// start is further away (a clump), nothing is taken and the message comes back after a jittered 1-3 times
    /// <see cref="MaxInlineWait"/>, still carrying its arrival slot.</item>
    /// </list>
    /// </summary>
    public async Task<RateDecision> AdmitAsync(TaskDescriptor task, TaskHeaders headers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var limit = task.RateLimit!;
        var key = KeyOf(task, headers);
        var interval = limit.EmissionInterval.Ticks;
        var tolerance = Gcra.Tolerance(interval, limit.Burst);
        var at = now.UtcTicks - UnixEpochTicks;
        var slot = headers.RateSlot;
        if (slot is null)
        {
            var tat = await _store!.ReserveAsync(key, at, interval, cancellationToken).ConfigureAwait(false);
            slot = Time(Gcra.Slot(tat, at, interval, tolerance));
        }

        if (slot.Value - now > WaitInline)
        {
            return new RateDecision(slot, slot.Value, slot);
        }

        var wait = MaxInlineWait(limit.EmissionInterval);
        var started = await _store!.TryStartAsync(key, at, interval, tolerance, wait.Ticks, cancellationToken).ConfigureAwait(false);
        if (started is { } start)
        {
            // start - I - τ: the slot, or a time before it when the clock was idle (then it starts at once).
            return new RateDecision(null, Time(start - interval - tolerance), slot);
        }

        var back = now + TimeSpan.FromTicks((long)(wait.Ticks * (1 + (2 * Random.Shared.NextDouble()))));
        return new RateDecision(back, back, slot);
    }

    /// <summary>
    /// How far ahead a start slot is taken and waited for in the task slot: four intervals, from one to five seconds. Long
    /// enough to absorb the delay levels' late and clumped deliveries (a clump then starts at the rate instead of going
    /// round again), short against the waits round the delay levels.
    /// </summary>
    public static TimeSpan MaxInlineWait(TimeSpan interval) =>
        TimeSpan.FromTicks(Math.Clamp(interval.Ticks * 4, TimeSpan.TicksPerSecond, 5 * TimeSpan.TicksPerSecond));

    private static DateTimeOffset Time(long ticks) => new(ticks + UnixEpochTicks, TimeSpan.Zero);

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
