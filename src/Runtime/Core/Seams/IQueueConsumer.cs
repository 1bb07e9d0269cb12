using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>One queue's consumer, started by an <see cref="IWorkerTransport"/>.</summary>
internal interface IQueueConsumer
{
    /// <summary>The queue.</summary>
    string Queue { get; }

    /// <summary>Completes when the consumer died for a reason the transport does not repair on its own: the host starts a new one.</summary>
    Task Stopped { get; }

    /// <summary>Deliveries being processed now.</summary>
    int InFlight { get; }

    /// <summary>Stop taking new deliveries (prefetched ones are handed back); running ones go on.</summary>
    ValueTask StopTakingAsync();

    /// <summary>Completes when no delivery is being processed.</summary>
    Task DrainAsync();

    /// <summary>
    /// The consumer died (<see cref="Stopped"/>) and a replacement takes over: take nothing more, leave the queue's
    /// task slots open for the replacement, and complete when the deliveries still being processed have finished.
    /// </summary>
    Task RetireAsync();

    /// <summary>Closes the consumer; whatever it did not settle is redelivered by the broker.</summary>
    ValueTask CloseAsync();
}
