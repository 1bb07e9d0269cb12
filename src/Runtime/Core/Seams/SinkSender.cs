using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// The sender of <see cref="TaskFlowBuilder.UseMessageSink"/>: hands each envelope to an <see cref="ITaskMessageSink"/>,
/// in place of the transport (no transport to hand on to: an in-process transport) or after it (an observer of what
/// the transport confirmed).
/// </summary>
internal sealed class SinkSender : ITaskSender
{
    private readonly ITaskMessageSink _sink;
    private readonly ITaskSender? _next;

    public SinkSender(ITaskMessageSink sink, ITaskSender? next)
    {
        _sink = sink;
        _next = next;
    }

    public TimeSpan MaxDelay => _next?.MaxDelay ?? TaskFlowLimits.MaxDelay;

    public bool RunsInline => _next?.RunsInline ?? false;

    /// <summary>Whether the sink stands in for the transport (the test harness in-process): nothing reaches a broker.</summary>
    public bool InProcess => _next is null;

    public TaskHandle Attach(TaskHandle handle) => _next is null ? handle : _next.Attach(handle);

    public async ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        if (_next is not null)
        {
            await _next.SendAsync(envelope, cancellationToken).ConfigureAwait(false);
        }

        await _sink.SendAsync(new TaskMessage(envelope), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The batch through the transport first (pipelined), then every confirmed envelope to the sink, in order.</summary>
    public async ValueTask SendManyAsync(IReadOnlyList<TaskEnvelope> envelopes, Exception?[] errors, CancellationToken cancellationToken)
    {
        if (_next is not null)
        {
            await _next.SendManyAsync(envelopes, errors, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < envelopes.Count; i++)
        {
            if (errors[i] is not null)
            {
                continue;
            }

            try
            {
                await _sink.SendAsync(new TaskMessage(envelopes[i]), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        }
    }
}
