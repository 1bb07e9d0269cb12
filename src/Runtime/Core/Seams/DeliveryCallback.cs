using System;

namespace TaskFlow.Core;

/// <summary>
/// Whether the current thread is inside a transport's delivery callback, which processes a delivery inline as far as
/// TaskFlow's own code goes (decode, checks, the slot) to spare a thread-pool hop per message. The task's own code must
/// not run there: a synchronous or CPU-bound task would hold the callback for its whole run, and the queue's other
/// deliveries (dispatched one callback at a time per channel) would wait for it, so concurrency N would run one task at
/// a time. <see cref="Internal.TaskExecutor"/> leaves the thread before invoking a task when this is set.
/// </summary>
internal static class DeliveryCallback
{
    [ThreadStatic]
    private static bool t_inside;

    /// <summary>The current thread runs a delivery callback's inline part.</summary>
    public static bool Inside => t_inside;

    /// <summary>Marks the current thread as inside a delivery callback until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        var outer = t_inside;
        t_inside = true;
        return new Scope(outer);
    }

    /// <summary>Restores the flag as it was before <see cref="Enter"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _outer;

        internal Scope(bool outer) => _outer = outer;

        public void Dispose() => t_inside = _outer;
    }
}
