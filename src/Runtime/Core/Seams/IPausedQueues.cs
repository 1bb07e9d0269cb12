using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// Which queues operators paused (the state store's <c>queue_pause</c> rows): the worker host polls it about once a
/// second and stops consuming a paused queue until it is resumed. Registered by <c>AddStateStore</c>; without a store
/// nothing is paused.
/// </summary>
internal interface IPausedQueues
{
    /// <summary>The names of the queues paused now (one cheap read).</summary>
    Task<IReadOnlyCollection<string>> GetPausedAsync(CancellationToken cancellationToken);
}
