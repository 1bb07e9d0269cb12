using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core.Internal;

/// <summary>
/// Eager mode's sender: runs the task inline when it is sent, after a real round trip of the message (arguments
/// serialized to the JSON body the broker would carry, then decoded and bound), so that what would fail over the
/// wire fails here too. The settlement is the worker's (<see cref="SettlementPolicy"/>), executed inline: a retry runs
/// again at once (countdowns and ETAs are not waited for), a dead letter throws to the caller: the task's own
/// exception when it failed, <see cref="InvalidOperationException"/> when a worker would refuse the message.
/// </summary>
internal sealed class EagerSender : ITaskSender
{
    private readonly TaskProcessor _processor;
    private readonly EagerResults? _results;

    /// <param name="processor">Runs the tasks.</param>
    /// <param name="results">Where results are kept when no state store records them; <c>null</c> with a store.</param>
    public EagerSender(TaskProcessor processor, EagerResults? results = null)
    {
        _processor = processor;
        _results = results;
    }

    public TaskHandle Attach(TaskHandle handle) => _results is null ? handle : handle with { Store = _results };

    public TimeSpan MaxDelay => TimeSpan.MaxValue;

    public bool RunsInline => true;

    public async ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        using var message = IncomingTask.TryDecode(envelope.Headers!, "application/json", "utf-8", envelope.Body, out var reason, out var detail)
            ?? throw new InvalidOperationException($"TaskFlow eager mode: task '{envelope.TaskName}' produced a message the worker would dead-letter ({reason}): {detail}");
        while (true)
        {
            var settlement = await _processor.ProcessAsync(message, envelope.Queue, maxDelay: null, slots: null, cancellationToken).ConfigureAwait(false);
            switch (settlement.Kind)
            {
                case SettlementKind.Ack:
                    if (settlement.Outcome == "succeeded")
                    {
                        _results?.Succeeded(envelope, message.Attempt, settlement.Result);
                    }

                    return;
                case SettlementKind.RetryAfter:
                    message.SetRetries(settlement.Retries);
                    continue;
                case SettlementKind.HandBack when cancellationToken.IsCancellationRequested:
                    // The caller cancelled while the task ran: its cancellation, not a hand-back, is the answer.
                    throw new OperationCanceledException($"TaskFlow eager mode: task '{envelope.TaskName}' was cancelled by the caller.", cancellationToken);
                case SettlementKind.DeadLetter when settlement.Exception is { } exception:
                    ExceptionDispatchInfo.Throw(exception);
                    return;
                case SettlementKind.DeadLetter:
                    throw new InvalidOperationException($"TaskFlow eager mode: a worker would dead-letter task '{envelope.TaskName}' ({settlement.Reason}): {settlement.Detail}");
                default:
                    // Hand-backs need a worker that stops, deferrals an ETA that is honoured: neither happens inline.
                    throw new InvalidOperationException($"TaskFlow eager mode: task '{envelope.TaskName}' was settled as {settlement.Kind}, which eager mode cannot carry out.");
            }
        }
    }
}
