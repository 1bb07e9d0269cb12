namespace TaskFlow.Core;

/// <summary>The task that holds a unique key an enqueue asked for (<see cref="ITaskSendRecorder.BeforeSendAsync"/>): the enqueue returns its handle and sends nothing.</summary>
/// <param name="TaskId">The holder's task id.</param>
/// <param name="Queue">The queue it was sent to.</param>
internal sealed record UniqueHolder(string TaskId, string Queue);
