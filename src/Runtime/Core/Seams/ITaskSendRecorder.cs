using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// The sending half of <see cref="ITaskStateRecorder"/>: what <see cref="TaskClient"/> tells a state store around a
/// send. The outbox implements only this half (its records are written in the caller's transaction).
/// </summary>
internal interface ITaskSendRecorder
{
    /// <summary>
    /// Before the envelope is sent: e.g. the pending record of a task with an entity key, checked against entity leases,
    /// and the claim of its unique key (<see cref="TaskEnvelope.Unique"/>). Returns the task that holds that key when
    /// another does: then nothing is sent and the caller gets that task's handle. <c>null</c>: send.
    /// </summary>
    ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>After the envelope was sent: e.g. the pending record where the configuration asks for one.</summary>
    ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>
    /// After a batch of envelopes was sent (<c>ITaskClient.SendManyAsync</c>):
    /// as <see cref="AfterSendAsync"/> for each. The default records them one at a time; the outbox writes the pending
    /// records with set-based upserts.
    /// </summary>
    async ValueTask AfterSendManyAsync(IReadOnlyList<TaskEnvelope> envelopes, CancellationToken cancellationToken)
    {
        foreach (var envelope in envelopes)
        {
            await AfterSendAsync(envelope, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The send failed after <see cref="BeforeSendAsync"/>: release what it took (an entity held by a task never sent, its unique key).</summary>
    ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception);

    /// <summary>Gives a handle what it needs to read the task's state (<see cref="TaskHandle.WaitAsync"/>).</summary>
    TaskHandle Attach(TaskHandle handle);
}
