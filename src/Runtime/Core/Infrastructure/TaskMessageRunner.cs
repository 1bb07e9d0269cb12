using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core;

namespace TaskFlow.Infrastructure;

/// <summary>
/// Runs one <see cref="TaskMessage"/> as a worker would: decoded by the codec, run by the executor (state store checks,
/// DI scope, time limits, the generated invoker), settled by the worker's policy (retry policy, dead letters) and
/// recorded by the state store if there is one. What an in-process transport (<c>TaskFlow.Testing</c>'s harness) runs
/// messages with; it carries out the returned decision itself (a retry is due after <see cref="TaskRunResult.RetryDelay"/>).
/// ETAs are not checked here: the caller runs a message when it is due.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskMessageRunner
{
    private readonly TaskProcessor _processor;

    internal TaskMessageRunner(TaskProcessor processor)
    {
        _processor = processor;
    }

    /// <summary>
    /// Runs <paramref name="message"/> as its attempt number <paramref name="retries"/> + 1 (its <c>retries</c> header).
    /// <paramref name="fault"/>: thrown in place of the task's code (an injected failure or time-out,
    /// <see cref="TaskTimeLimitExceededException"/>); the retry policy and the settlement treat it as the task's own.
    /// </summary>
    public async ValueTask<TaskRunResult> RunAsync(TaskMessage message, int retries = 0, Exception? fault = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        var headers = new Dictionary<string, object?>(message.Headers, StringComparer.Ordinal);
        using var incoming = IncomingTask.TryDecode(headers, "application/json", "utf-8", message.Body, out var reason, out var detail);
        if (incoming is null)
        {
            return new TaskRunResult { Outcome = "dead_lettered", Reason = reason, Detail = detail };
        }

        if (retries != incoming.Retries)
        {
            incoming.SetRetries(retries);
        }

        var settlement = await _processor.ProcessAsync(incoming, message.Queue, maxDelay: null, slots: null, cancellationToken, fault: fault).ConfigureAwait(false);
        return new TaskRunResult
        {
            Outcome = settlement.Outcome ?? "acked",
            RetryDelay = settlement.Kind == SettlementKind.RetryAfter ? settlement.Delay : null,
            Retries = settlement.Retries,
            DeferUntil = settlement.Until,
            Exception = settlement.Exception,
            Reason = settlement.Reason,
            Detail = settlement.Detail,
            Result = settlement.Result,
        };
    }
}
