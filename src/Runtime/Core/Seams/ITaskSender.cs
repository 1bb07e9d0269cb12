using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>
/// Where the enqueue path puts a built envelope: the broker (a transport's sender), the task itself (eager mode),
/// or the outbox table in the caller's transaction. The one seam between <see cref="TaskClient"/> and a transport.
/// </summary>
internal interface ITaskSender
{
    /// <summary>The longest countdown/ETA this sender can carry; longer ones are refused before anything is sent.</summary>
    TimeSpan MaxDelay { get; }

    /// <summary>
    /// True when sending runs the task inline (eager mode): a failure thrown by <see cref="SendAsync"/> is then the
    /// task's own, already recorded, not a failure to send.
    /// </summary>
    bool RunsInline { get; }

    /// <summary>Sends one envelope; completes when it is safely handed over (e.g. confirmed by the broker).</summary>
    ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a batch of envelopes (<c>ITaskClient.SendManyAsync</c>);
    /// completes when every one is handed over or has failed: <paramref name="errors"/>[i] is set for each envelope
    /// that was not. The default sends them one at a time; the broker's pipelines the publishes, the outbox writes
    /// multi-row inserts. May throw when nothing of the batch can have been handed over.
    /// </summary>
    async ValueTask SendManyAsync(IReadOnlyList<TaskEnvelope> envelopes, Exception?[] errors, CancellationToken cancellationToken)
    {
        for (var i = 0; i < envelopes.Count; i++)
        {
            try
            {
                await SendAsync(envelopes[i], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        }
    }

    /// <summary>
    /// Gives a handle that no state store reads for a way to read the task's result, if this sender has one (eager mode
    /// keeps the results of tasks it ran in memory). Returns the handle unchanged otherwise.
    /// </summary>
    TaskHandle Attach(TaskHandle handle) => handle;
}
