using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Internal;

/// <summary>TaskFlow's structured logs (source-generated). Event ids are stable: 1xxx connection, 2xxx publish, 3xxx worker, 4xxx tasks.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Connected to RabbitMQ ({Role}) at {Endpoint}")]
    public static partial void Connected(ILogger logger, ConnectionRole role, string endpoint);

    [LoggerMessage(1002, LogLevel.Warning, "RabbitMQ connection lost ({ReplyCode} {ReplyText}); recovering automatically")]
    public static partial void ConnectionLost(ILogger logger, ushort replyCode, string replyText);

    [LoggerMessage(1003, LogLevel.Information, "RabbitMQ connection recovered")]
    public static partial void ConnectionRecovered(ILogger logger);

    [LoggerMessage(1004, LogLevel.Warning, "RabbitMQ blocked the connection: {Reason}")]
    public static partial void ConnectionBlocked(ILogger logger, string reason);

    [LoggerMessage(1005, LogLevel.Debug, "Closing a RabbitMQ connection or channel failed")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(2001, LogLevel.Debug, "Sent task {TaskName} [{TaskId}] to queue {Queue}")]
    public static partial void TaskSent(ILogger logger, string taskName, string taskId, string queue);

    [LoggerMessage(2002, LogLevel.Debug, "Running task {TaskName} [{TaskId}] eagerly")]
    public static partial void TaskRunningEagerly(ILogger logger, string taskName, string taskId);

    [LoggerMessage(3001, LogLevel.Information, "Worker {Worker} starting: queues {Queues}; {TaskCount} tasks registered")]
    public static partial void WorkerStarting(ILogger logger, string worker, string queues, int taskCount);

    [LoggerMessage(3002, LogLevel.Information, "Consuming queue {Queue} (concurrency {Concurrency}, prefetch {Prefetch})")]
    public static partial void Consuming(ILogger logger, string queue, int concurrency, int prefetch);

    [LoggerMessage(3003, LogLevel.Information, "Worker stopping: {InFlight} tasks in flight, grace period {GracePeriod}")]
    public static partial void WorkerStopping(ILogger logger, int inFlight, TimeSpan gracePeriod);

    [LoggerMessage(3004, LogLevel.Warning, "Grace period over with {InFlight} tasks still running; cancelling them (their messages will be redelivered)")]
    public static partial void GracePeriodOver(ILogger logger, int inFlight);

    [LoggerMessage(3005, LogLevel.Information, "Worker stopped; {Abandoned} tasks were abandoned and will be redelivered")]
    public static partial void WorkerStopped(ILogger logger, int abandoned);

    [LoggerMessage(3006, LogLevel.Warning, "Cancelling the consumer of queue {Queue} failed: {Reason}")]
    public static partial void CancelFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(3007, LogLevel.Warning, "The broker closed the consumer channel of queue {Queue} ({ReplyCode} {ReplyText})")]
    public static partial void ConsumerChannelClosed(ILogger logger, string queue, ushort replyCode, string replyText);

    [LoggerMessage(3008, LogLevel.Warning, "The broker cancelled the consumer of queue {Queue}")]
    public static partial void ConsumerCancelledByBroker(ILogger logger, string queue);

    [LoggerMessage(3009, LogLevel.Warning, "Re-creating the consumer of queue {Queue}")]
    public static partial void ConsumerRestarting(ILogger logger, string queue);

    [LoggerMessage(3010, LogLevel.Error, "Could not start consuming queue {Queue}; retrying in {Delay}")]
    public static partial void ConsumerStartFailed(ILogger logger, Exception exception, string queue, TimeSpan delay);

    [LoggerMessage(3011, LogLevel.Warning, "Lost the channel before acking delivery {DeliveryTag} on queue {Queue} ({Reason}); the broker will redeliver it")]
    public static partial void AckLost(ILogger logger, string queue, ulong deliveryTag, string reason);

    [LoggerMessage(3012, LogLevel.Error, "Could not dead-letter a message from queue {Queue}; it was requeued (the queue's delivery limit bounds the loop)")]
    public static partial void DeadLetterFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(4001, LogLevel.Debug, "Task {TaskName} [{TaskId}] succeeded in {ElapsedMs} ms")]
    public static partial void TaskSucceeded(ILogger logger, string taskName, string taskId, long elapsedMs);

    [LoggerMessage(4002, LogLevel.Error, "Task {TaskName} [{TaskId}] failed on attempt {Attempt}; dead-lettered")]
    public static partial void TaskFailed(ILogger logger, Exception exception, string taskName, string taskId, int attempt);

    [LoggerMessage(4003, LogLevel.Warning, "Task {TaskName} [{TaskId}] rejected ({Reason}): {Detail}; dead-lettered")]
    public static partial void TaskRejected(ILogger logger, string taskName, string taskId, string reason, string detail);

    [LoggerMessage(4004, LogLevel.Warning, "Poison message on queue {Queue} ({Reason}): {Detail}; dead-lettered")]
    public static partial void Poison(ILogger logger, string queue, string reason, string detail);

    [LoggerMessage(4006, LogLevel.Warning, "Task {TaskName} [{TaskId}] was cancelled by worker shutdown; returned to the queue")]
    public static partial void TaskAbandoned(ILogger logger, string taskName, string taskId);

    [LoggerMessage(4007, LogLevel.Warning, "Task {TaskName} [{TaskId}] failed; retry {Retry} in {Delay}")]
    public static partial void TaskRetrying(ILogger logger, Exception exception, string taskName, string taskId, int retry, TimeSpan delay);

    [LoggerMessage(3013, LogLevel.Error, "Could not send a message from queue {Queue} round again (retry or delay); it was requeued")]
    public static partial void RedeliveryFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(4005, LogLevel.Information, "Task {TaskName} [{TaskId}] not run: {Detail}")]
    public static partial void TaskExpired(ILogger logger, string taskName, string taskId, string detail);
}
