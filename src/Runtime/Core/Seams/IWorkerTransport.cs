using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Hosting;

namespace TaskFlow.Core;

/// <summary>
/// The receiving side of a transport, as the worker host (<see cref="TaskFlowWorker"/>) sees it: start a consumer on
/// one queue that hands each delivery to <see cref="QueueWork.Processor"/> and carries out the <see cref="Settlement"/>.
/// </summary>
internal interface IWorkerTransport
{
    /// <summary>Starts consuming <paramref name="queue"/>; completes when the consumer is registered with the broker.</summary>
    ValueTask<IQueueConsumer> StartAsync(WorkerQueueOptions queue, QueueWork work, CancellationToken cancellationToken);

    /// <summary>
    /// After <see cref="StartAsync"/> failed: completes when the transport's connection, down now, is back (so the start
    /// is tried again at once); never when it is up or there is none (the worker's back-off delay applies).
    /// </summary>
    Task WhenReconnected();
}
