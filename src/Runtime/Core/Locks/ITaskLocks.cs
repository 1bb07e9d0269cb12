using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow;

/// <summary>
/// Distributed locks and semaphores across every process that shares the state store: a named resource with a number
/// of permits (1: a lock). A permit is a lease in the database, renewed by its holder while held and released when
/// disposed; a holder that dies loses it after <c>TaskStateOptions.LeaseDuration</c>. The same permits limit tasks
/// declared with <c>[Task(MaxConcurrency = n)]</c>. Registered by <c>AddStateStore</c>. See docs/flow-control.md#locks.
/// </summary>
/// <example>
/// <code>
/// await using var scraper = await locks.AcquireAsync("scraper", TimeSpan.FromSeconds(30), cancellationToken: ct);
/// // ... only one process in the cluster runs this at a time ...
/// </code>
/// </example>
public interface ITaskLocks
{
    /// <summary>Takes one of <paramref name="permits"/> permits of <paramref name="name"/> at once, or returns <c>null</c> when all are held.</summary>
    /// <param name="name">The resource, up to 255 characters (e.g. <c>scraper</c>, <c>tenant:42</c>).</param>
    /// <param name="permits">How many holders the resource admits at once (1-1,000); every user of a name must give the same number.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    Task<ITaskLock?> TryAcquireAsync(string name, int permits = 1, CancellationToken cancellationToken = default);

    /// <summary>Waits until a permit of <paramref name="name"/> is free and takes it; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    /// <param name="name">The resource, up to 255 characters.</param>
    /// <param name="timeout">How long to wait for a permit.</param>
    /// <param name="permits">How many holders the resource admits at once (1-1,000).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    Task<ITaskLock> AcquireAsync(string name, TimeSpan timeout, int permits = 1, CancellationToken cancellationToken = default);
}
