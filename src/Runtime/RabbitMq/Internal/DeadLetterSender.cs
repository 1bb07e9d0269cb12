using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Core;
using TaskFlow.Hosting;
using TaskFlow.Protocol;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Moves a message to its queue's dead-letter queue with the reason and failure headers, through the
/// dead-letter exchange, confirmed. The consumer acks the original only after this returns.
/// </summary>
internal sealed class DeadLetterSender
{
    private readonly ConfirmedPublisher _publisher;
    private readonly RabbitMqOptions _options;
    private readonly IOptions<TaskFlowWorkerOptions> _worker;
    private readonly TimeProvider _time;

    public DeadLetterSender(ConfirmedPublisher publisher, RabbitMqOptions options, IOptions<TaskFlowWorkerOptions> worker, TimeProvider time)
    {
        _publisher = publisher;
        _options = options;
        _worker = worker;
        _time = time;
    }

    public ValueTask SendAsync(string queue, IReadOnlyBasicProperties original, ReadOnlyMemory<byte> body, in Settlement settlement, CancellationToken cancellationToken)
    {
        var worker = _worker.Value;
        var headers = MessageCopy.Headers(original, settlement.Redeliveries);
        var now = TaskEnvelope.FormatTime(_time.GetUtcNow());
        if (!headers.ContainsKey(MessageHeaders.FirstFailedAt))
        {
            headers[MessageHeaders.FirstFailedAt] = now;
        }

        var reason = settlement.Reason ?? DeadLetterReason.TaskFailed;
        headers[MessageHeaders.DeadLetterReason] = reason;
        headers[MessageHeaders.OriginalQueue] = queue;
        headers[MessageHeaders.Worker] = worker.WorkerName;
        headers[MessageHeaders.FailedAt] = now;
        headers[MessageHeaders.Attempts] = settlement.Retries;
        if (settlement.Detail is null && settlement.Exception is { } exception)
        {
            headers[MessageHeaders.ExceptionType] = exception.GetType().FullName;
            headers[MessageHeaders.ExceptionMessage] = Truncate(exception.Message, 2048);
            headers[MessageHeaders.StackTrace] = Truncate(exception.StackTrace ?? string.Empty, worker.MaxStackTraceLength);
        }
        else
        {
            headers[MessageHeaders.ExceptionMessage] = Truncate(settlement.Detail ?? reason, 2048);
        }

        var properties = MessageCopy.Properties(original, headers);
        SendTime.Stamp(properties, _time.GetUtcNow());
        return _publisher.PublishUnstampedAsync(_options.DeadLetterExchangeName, queue, properties, body, settlement.TaskName, cancellationToken);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "...";
}
