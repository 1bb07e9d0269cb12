using System.Threading;
using TaskFlow.Hosting;

namespace TaskFlow.Core;

/// <summary>What a queue's consumer works with: the processor, the queue's task slots, the status to report, and the
/// token cancelled when the worker stops waiting for running tasks at shutdown.</summary>
internal sealed record QueueWork(TaskProcessor Processor, TaskSlots Slots, TaskFlowWorkerStatus Status, CancellationToken Abort);
