using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskFlow.Protocol;
using TaskFlow.State;
using TaskFlow.State.Internal;

namespace TaskFlow.Internal;

/// <summary>
/// Consumes one queue on its own channel: decode, run, then ack (ack-late) or dead-letter and ack.
/// Prefetch comes from basic.qos; the channel dispatches up to <see cref="TaskSlots.DispatchConcurrency"/> messages
/// at once and <see cref="TaskSlots"/> bounds how many of them run (the queue's concurrency), so that the state
/// store's read before a run and its commit before the ack do not hold a task slot. Acks and nacks go through
/// <see cref="AckBatcher"/>, which coalesces a run of consecutive settled delivery tags into one multiple ack.
/// </summary>
internal sealed class QueueConsumer : AsyncDefaultBasicConsumer
{
    private readonly string _queue;
    private readonly TaskExecutor _executor;
    private readonly DeadLetters _deadLetters;
    private readonly Redelivery _redelivery;
    private readonly TaskFlowOptions _options;
    private readonly TaskFlowWorkerStatus _status;
    private readonly ILogger _logger;
    private readonly CancellationToken _abort;
    private readonly TaskSlots _slots;
    private readonly AckBatcher _acks;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private volatile bool _stopping;

    public QueueConsumer(IChannel channel, string queue, TaskExecutor executor, DeadLetters deadLetters, Redelivery redelivery, TaskFlowOptions options, TaskFlowWorkerStatus status, ILogger logger, TaskSlots slots, bool coalesceAcks, CancellationToken abort)
        : base(channel)
    {
        _slots = slots;
        _acks = new AckBatcher(new ChannelAckSink(channel), coalesceAcks);
        _redelivery = redelivery;
        _options = options;
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

    /// <summary>Marks the consumer as stopping: the cancel that follows is ours, not the broker's.</summary>
    public void BeginStop()
    {
        _stopping = true;
        _slots.Close();
    }

    /// <summary>Stop taking new messages; completes when no task is running (prefetched ones are requeued).</summary>
    public Task DrainAsync()
    {
        BeginStop();
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
                await _acks.NackAsync(deliveryTag, requeue: true).ConfigureAwait(false);
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
        var outcome = await _executor.ExecuteAsync(message, _queue, honourEta: true, _abort, _slots).ConfigureAwait(false);
        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Succeeded:
                // With a state store: the final state is committed before the ack (group commit), so a redelivery finds it.
                await _executor.RecordAsync(message, _queue, outcome, TaskState.Succeeded, null, durable: true).ConfigureAwait(false);
                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                Log.TaskSucceeded(_logger, message.TaskName, message.Id, Environment.TickCount64 - started);
                break;
            case TaskOutcomeKind.Expired:
                await _executor.RecordAsync(message, _queue, outcome, TaskState.Expired, outcome.Detail, durable: false).ConfigureAwait(false);
                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                Log.TaskExpired(_logger, message.TaskName, message.Id, outcome.Detail!);
                break;
            case TaskOutcomeKind.Skipped:
                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                if (_executor.Store is { } store)
                {
                    StateLog.TaskSkipped(store.Logger, message.TaskName, message.Id, outcome.Detail!);
                }

                break;
            case TaskOutcomeKind.Revoked:
                await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.NotStarted:
                // The worker stopped taking work while it waited for a slot: hand it back untouched.
                await _acks.NackAsync(deliveryTag, requeue: true).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.Rejected:
                Log.TaskRejected(_logger, message.TaskName, message.Id, outcome.Reason!, outcome.Detail!);
                await _executor.RecordAsync(message, _queue, outcome, TaskState.DeadLettered, outcome.Reason + ": " + outcome.Detail, durable: false).ConfigureAwait(false);
                await DeadLetterAsync(deliveryTag, properties, body, outcome.Reason!, outcome.Detail, null, message.Retries + 1).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.Failed when _abort.IsCancellationRequested && outcome.Exception is OperationCanceledException:
                // Cancelled by shutdown past the grace period: not the task's fault, so it goes back to the queue.
                Log.TaskAbandoned(_logger, message.TaskName, message.Id);
                await _acks.NackAsync(deliveryTag, requeue: true).ConfigureAwait(false);
                break;
            case TaskOutcomeKind.Deferred:
                await SendRoundAgainAsync(deliveryTag, () => _redelivery.DeferAsync(_queue, message.TaskName, properties, body, message.Eta!.Value, CancellationToken.None)).ConfigureAwait(false);
                break;
            default:
                await HandleFailureAsync(deliveryTag, properties, body, message, outcome).ConfigureAwait(false);
                break;
        }
    }

    private async Task HandleFailureAsync(ulong deliveryTag, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, TaskMessage message, TaskOutcome outcome)
    {
        var exception = outcome.Exception!;
        var policy = _options.RetryPolicyOf(outcome.Task!);
        var retries = message.Retries;
        TimeSpan? delay = null;
        string reason = DeadLetterReason.TaskFailed;
        if (exception is TaskRetryException request)
        {
            // An explicit retry request counts against the policy; without a policy, Celery's default of 3 applies.
            var max = policy.MaxRetries > 0 ? policy.MaxRetries : 3;
            if (retries < max)
            {
                delay = request.Countdown ?? policy.DelayFor(retries + 1, Random.Shared);
            }
            else
            {
                reason = DeadLetterReason.MaxRetriesExceeded;
            }
        }
        else if (policy.Allows(exception, retries))
        {
            delay = policy.DelayFor(retries + 1, Random.Shared);
        }
        else if (exception is TaskTimeLimitExceededException)
        {
            reason = DeadLetterReason.TimeLimitExceeded;
        }
        else if (policy.MaxRetries > 0 && retries >= policy.MaxRetries)
        {
            reason = DeadLetterReason.MaxRetriesExceeded;
        }

        if (delay is { } wait)
        {
            await _executor.RecordAsync(message, _queue, outcome, TaskState.Retrying, TaskStateStore.Summary(exception), durable: false).ConfigureAwait(false);
            Log.TaskRetrying(_logger, exception, message.TaskName, message.Id, retries + 1, wait);
            await SendRoundAgainAsync(deliveryTag, () => _redelivery.RetryAsync(_queue, message.TaskName, properties, body, retries + 1, wait, exception, CancellationToken.None)).ConfigureAwait(false);
            return;
        }

        Log.TaskFailed(_logger, exception, message.TaskName, message.Id, retries + 1);
        await _executor.RecordAsync(message, _queue, outcome, TaskState.Failed, reason + ": " + TaskStateStore.Summary(exception is TaskRetryException { InnerException: { } cause } ? cause : exception), durable: true).ConfigureAwait(false);
        await DeadLetterAsync(deliveryTag, properties, body, reason, null, exception is TaskRetryException { InnerException: { } inner } ? inner : exception, retries + 1).ConfigureAwait(false);
    }

    private async Task SendRoundAgainAsync(ulong deliveryTag, Func<ValueTask> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TaskPublishException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            Log.RedeliveryFailed(_logger, ex, _queue);
            await _acks.NackAsync(deliveryTag, requeue: true).ConfigureAwait(false);
            return;
        }

        await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
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
            await _acks.NackAsync(deliveryTag, requeue: true).ConfigureAwait(false);
            return;
        }

        await _acks.AckAsync(deliveryTag).ConfigureAwait(false);
    }

    protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
    {
        // Also called by RabbitMQ.Client 7 when the channel shuts down (e.g. the connection dropped): that
        // case is left to automatic recovery, which re-registers this consumer.
        _status.Set(_queue, false);
        return base.OnCancelAsync(consumerTags, cancellationToken);
    }

    public override Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        if (!_stopping)
        {
            // basic.cancel from the broker (queue deleted, or a quorum queue leader moved): re-create the consumer.
            Log.ConsumerCancelledByBroker(_logger, _queue);
            _stopped.TrySetResult();
        }

        return base.HandleBasicCancelAsync(consumerTag, cancellationToken);
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
            if (ChannelClose.IsChannelLevel(reason))
            {
                _stopped.TrySetResult();
            }
        }

        return base.HandleChannelShutdownAsync(channel, reason);
    }
}
