using System;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>The recorder without a state store: records nothing, checks nothing.</summary>
internal sealed class NoStateRecorder : ITaskStateRecorder
{
    public static readonly NoStateRecorder Instance = new();

    private NoStateRecorder()
    {
    }

    public bool IsActive => false;

    public bool Tracks(string taskName) => false;

    /// <remarks>
    /// Without a store an entity key is only a header (for people reading queues). A unique key cannot be enforced: the
    /// enqueue is refused (a process that registers a unique task fails at start-up already; this covers per-call keys).
    /// </remarks>
    public ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken) => envelope.Unique is null
        ? ValueTask.FromResult<UniqueHolder?>(null)
        : throw new InvalidOperationException(UniqueTasks.NoStore(envelope.TaskName));

    public ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception) => ValueTask.CompletedTask;

    public TaskHandle Attach(TaskHandle handle) => handle;

    public ValueTask<PriorRuns> PriorRunsAsync(IncomingTask task, CancellationToken cancellationToken) => ValueTask.FromResult(PriorRuns.None);

    public ValueTask<LeaseStart> AcquireLeaseAsync(IncomingTask task, string queue, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("TaskFlow: lease mode needs a state store."); // the executor never asks without one

    public ValueTask<IRunRecord?> BeginRunAsync(IncomingTask task, string queue, CancellationToken cancellationToken) => ValueTask.FromResult<IRunRecord?>(null);

    public ValueTask RecordAsync(IncomingTask task, string queue, TaskDescriptor? descriptor, StateRecord record, object? result) => ValueTask.CompletedTask;

    public ValueTask RecordUndecodableAsync(string taskId, string? taskName, string queue, string error) => ValueTask.CompletedTask;

    public ValueTask<ReopenResult> ReopenAsync(IncomingTask task, CancellationToken cancellationToken) => ValueTask.FromResult(ReopenResult.Reopened);

    public void Skipped(IncomingTask task, string detail)
    {
    }
}
