using System;
using System.Threading;

namespace TaskFlow;

/// <summary>A held permit of an <see cref="ITaskLocks"/> resource: renewed in the background while held, released when disposed.</summary>
public interface ITaskLock : IAsyncDisposable
{
    /// <summary>The resource's name.</summary>
    string Name { get; }

    /// <summary>Which of the resource's permits this is (0 to permits - 1).</summary>
    int Slot { get; }

    /// <summary>
    /// A number that grows each time this permit changes hands: pass it to a system that can refuse a write carrying an
    /// older token, so that a holder that lost its permit (paused past its lease) cannot overwrite its successor's work.
    /// </summary>
    long FencingToken { get; }

    /// <summary>Cancelled when the permit is lost: it could not be renewed before its lease ran out, or another holder took it.</summary>
    CancellationToken Lost { get; }
}
