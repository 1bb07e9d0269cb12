using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Infrastructure;

/// <summary>
/// Receives every task message this service provider sends (<see cref="TaskFlowBuilder.UseMessageSink"/>): in place of
/// the transport (an in-process transport such as <c>TaskFlow.Testing</c>'s harness), or after the transport confirmed
/// it (an observer). Outbox messages reach it when the relay publishes them, that is after their transaction committed.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ITaskMessageSink
{
    /// <summary>Takes one sent message. An exception fails the send, as a transport's would.</summary>
    ValueTask SendAsync(TaskMessage message, CancellationToken cancellationToken);
}
