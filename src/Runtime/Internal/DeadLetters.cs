using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using TaskFlow.Protocol;

namespace TaskFlow.Internal;

/// <summary>
/// Moves a message to its queue's dead-letter queue with the reason and failure headers, through the
/// dead-letter exchange, confirmed. The caller acks the original only after this returns.
/// </summary>
internal sealed class DeadLetters
{
    private readonly ConfirmedPublisher _publisher;
    private readonly TaskFlowOptions _options;
    private readonly TaskFlowWorkerOptions _worker;
    private readonly TimeProvider _time;

    public DeadLetters(ConfirmedPublisher publisher, IOptions<TaskFlowOptions> options, IOptions<TaskFlowWorkerOptions> worker, TimeProvider time)
    {
        _publisher = publisher;
        _options = options.Value;
        _worker = worker.Value;
        _time = time;
    }

    public ValueTask SendAsync(string queue, IReadOnlyBasicProperties original, ReadOnlyMemory<byte> body, string reason, string? detail, Exception? exception, int attempts, CancellationToken cancellationToken)
    {
        var headers = Redelivery.Copy(original);
        var now = TaskEnvelope.FormatTime(_time.GetUtcNow());
        if (!headers.ContainsKey(CeleryHeaders.FirstFailedAt))
        {
            headers[CeleryHeaders.FirstFailedAt] = now;
        }

        headers[CeleryHeaders.DeadLetterReason] = reason;
        headers[CeleryHeaders.OriginalQueue] = queue;
        headers[CeleryHeaders.Worker] = _worker.WorkerName;
        headers[CeleryHeaders.FailedAt] = now;
        headers[CeleryHeaders.Attempts] = attempts;
        if (exception is not null)
        {
            headers[CeleryHeaders.ExceptionType] = exception.GetType().FullName;
            headers[CeleryHeaders.ExceptionMessage] = Truncate(exception.Message, 2048);
            headers[CeleryHeaders.StackTrace] = Truncate(exception.StackTrace ?? string.Empty, _worker.MaxStackTraceLength);
        }
        else
        {
            headers[CeleryHeaders.ExceptionMessage] = Truncate(detail ?? reason, 2048);
        }

        var properties = Redelivery.CopyProperties(original, headers);
        var taskName = headers.TryGetValue(CeleryHeaders.Task, out var name) && name is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "(unknown)";
        return _publisher.PublishAsync(_options.DeadLetterExchangeName, queue, properties, body, taskName, cancellationToken);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "...";
}
