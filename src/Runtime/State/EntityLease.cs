using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State;

/// <summary>
/// An exclusive lease on an entity from <see cref="TaskStateStore.LockEntityAsync"/>: while it is held, tasks
/// cannot be enqueued for the entity (<see cref="EntityLockedException"/>). Dispose to release it; if the process
/// dies it lapses after <see cref="TaskStateOptions.EntityLeaseDuration"/>.
/// </summary>
public sealed class EntityLease : IAsyncDisposable
{
    private readonly TaskStateStore _store;
    private int _released;

    internal EntityLease(TaskStateStore store, string entityKey, string holder)
    {
        _store = store;
        EntityKey = entityKey;
        Holder = holder;
    }

    /// <summary>The entity.</summary>
    public string EntityKey { get; }

    /// <summary>This lease's id in <c>entity_lease.holder</c>.</summary>
    public string Holder { get; }

    /// <summary>Releases the lease.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _store.Database.Leases.ReleaseAsync(EntityKey, Holder, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
