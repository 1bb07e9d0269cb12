using System;

namespace TaskFlow.Core;

/// <summary>
/// The generic cell rate algorithm, in the reserving form rate limits use: every request takes the next slot, now or
/// later, so the store only ever moves the theoretical arrival time (TAT) forward and one statement decides. With
/// emission interval I (period / count) and burst b, tolerance τ = (b - 1)·I: a request at time t gets slot
/// max(t, TAT - τ) and moves TAT to max(TAT, t) + I. Any window of length w then holds at most b + ⌊w / I⌋ slots.
/// Pure: no clock, no I/O.
/// </summary>
internal static class Gcra
{
    /// <summary>The TAT after a reservation at <paramref name="now"/> (what the store computes atomically).</summary>
    public static long Reserve(long tat, long now, long interval) => Math.Max(tat, now) + interval;

    /// <summary>
    /// The slot of the reservation that moved the TAT to <paramref name="newTat"/> at <paramref name="now"/>: the earliest
    /// time the run may start. Derived from the new TAT alone (the old one was max(TAT, now) = newTat - I).
    /// </summary>
    public static long Slot(long newTat, long now, long interval, long tolerance) => Math.Max(now, newTat - interval - tolerance);

    /// <summary>τ = (burst - 1)·I.</summary>
    public static long Tolerance(long interval, int burst) => (burst - 1) * interval;
}
