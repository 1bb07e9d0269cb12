using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>The core's <see cref="IPausedQueues"/> over the store's <c>queue_pause</c> table (one small read per poll).</summary>
internal sealed class StorePausedQueues : IPausedQueues
{
    private readonly TaskStateStore _store;

    public StorePausedQueues(TaskStateStore store)
    {
        _store = store;
    }

    public Task<IReadOnlyCollection<string>> GetPausedAsync(CancellationToken cancellationToken) => _store.GetPausedQueueNamesAsync(cancellationToken);
}
