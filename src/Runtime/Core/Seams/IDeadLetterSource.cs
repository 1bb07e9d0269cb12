using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core.Replay;

namespace TaskFlow.Core;

/// <summary>
/// Finds one task's message among the dead letters without taking it (the transport implements it: RabbitMQ browses
/// the <c>{queue}.dead</c> queues), for <c>taskflow replay</c>. <c>null</c> when no dead letter has that task id.
/// </summary>
internal interface IDeadLetterSource
{
    ValueTask<ReplayMessage?> FindAsync(string taskId, string? queue, CancellationToken cancellationToken);
}
