using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskFlow.Protocol;

namespace TaskFlow.Internal;

/// <summary>
/// Consumes one queue on its own channel: decode, run, then ack (ack-late) or dead-letter and ack.
/// Concurrency comes from the channel's consumer dispatch concurrency; prefetch from basic.qos.
/// </summary>
internal sealed class QueueConsumer : AsyncDefaultBasicConsumer
{
    private readonly string _queue;
    private readonly TaskExecutor _executor;
    private readonly DeadLetters _deadLetters;
    private readonly TaskFlowWorkerStatus _status;
    private readonly ILogger _logger;
    private readonly CancellationToken _abort;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private volatile bool _stopping;

    public QueueConsumer(IChannel channel, string queue, TaskExecutor executor, DeadLetters deadLetters, TaskFlowWorkerStatus status, ILogger logger, CancellationToken abort)
        : base(channel)
    {
        _queue = queue;
        _executor = executor;
        _deadLetters = deadLetters;
        _status = status;
        _logger = logger;
        _abort = abort;
    }

    /// <summary>Completes when the channel closed for a reason automatic recovery will not repair (the worker then re-creates the consumer).</summary>
    public Task Stopped => _stopped.Task;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Stop taking new messages; completes when no task is running (prefetched ones are requeued).</summary>
    public Task DrainAsync()
    {
        _stopping = true;
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }

    public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (_stopping)
            {
                // Prefetched after we stopped taking work: hand it back untouched.
                await Channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            await ProcessAsync(deliveryTag, properties, body).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or ObjectDisposedException)
        {
            // The channel went away under us: the broker redelivers the unacked message.
            Log.AckLost(_logger, _queue, deliveryTag, ex.Message);
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping)
            {
                _drained.TrySetResult();
            }
        }
    }

    private async Task ProcessAsync(ulong deliveryTag, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        using var message = TaskMessage.TryDecode(properties.Headers, properties.ContentType, properties.ContentEncoding, body, out var reason, out var detail);
        if (message is null)
        {
            Log.Poison(_logger, _queue, reason!, detail!);
            await DeadLetterAsync(deliveryTag, properties, body, reason!, detail, null, 0).ConfigureAwait(false);
            return;
        }

        var started = Environment.TickCount64;
        var outcome = await _executor.ExecuteAsync(message, _queue, _abort).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Succeeded:
                await Channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
                Log.TaskSucceeded(_logger, message.TaskName, message.Id, Environment.TickCount64 - started);
                break;
            case TaskOutcomeKind.Expired:
                await Channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
                Log.TaskExpired(_logger, message.TaskName, message.Id, outcome.Detail!);
                break;
            case TaskOutcomeKind.Rejected:
                Log.TaskRejected(_logger, message.TaskName, message.Id, outcome.Reason!, outcome.Detail!);
                await DeadLetterAsync(deliveryTag, properties, body, outcome.Reason!, outcome.Detail, null, message.Retries + 1).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.Failed when _abort.IsCancellationRequested && outcome.Exception is OperationCanceledException:
                // Cancelled by shutdown past the grace period: not the task's fault, so it goes back to the queue.
                Log.TaskAbandoned(_logger, message.TaskName, message.Id);
                await Channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
                break;
            default:
                Log.TaskFailed(_logger, outcome.Exception!, message.TaskName, message.Id, message.Retries + 1);
                await DeadLetterAsync(deliveryTag, properties, body, DeadLetterReason.TaskFailed, null, outcome.Exception, message.Retries + 1).ConfigureAwait(false);
                break;
        }
    }

    private async Task DeadLetterAsync(ulong deliveryTag, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, string reason, string? detail, Exception? exception, int attempts)
    {
        try
        {
            await _deadLetters.SendAsync(_queue, properties, body, reason, detail, exception, attempts, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TaskPublishException ex)
        {
            // Not confirmed: keep the message. The queue's delivery limit stops an endless loop.
            Log.DeadLetterFailed(_logger, ex, _queue);
            await Channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await Channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
    }

    protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
    {
        _status.Set(_queue, false);
        if (!_stopping)
        {
            // Broker-side cancel (queue deleted, or a quorum queue leader moved): re-create the consumer.
            Log.ConsumerCancelledByBroker(_logger, _queue);
            _stopped.TrySetResult();
        }

        return base.OnCancelAsync(consumerTags, cancellationToken);
    }

    public override Task HandleBasicConsumeOkAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        _status.Set(_queue, true);
        return base.HandleBasicConsumeOkAsync(consumerTag, cancellationToken);
    }

    public override Task HandleChannelShutdownAsync(object channel, ShutdownEventArgs reason)
    {
        _status.Set(_queue, false);
        if (!_stopping && reason.Initiator != ShutdownInitiator.Application)
        {
            Log.ConsumerChannelClosed(_logger, _queue, reason.ReplyCode, reason.ReplyText);
            // A channel-level close (e.g. consumer_timeout, 406) is not repaired by connection recovery.
            if (reason.ReplyCode is not 320 and not 541 && reason.Initiator == ShutdownInitiator.Peer)
            {
                _stopped.TrySetResult();
            }
        }

        return base.HandleChannelShutdownAsync(channel, reason);
    }
}
