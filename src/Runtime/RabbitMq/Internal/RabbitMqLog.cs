using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The RabbitMQ transport's structured logs (source-generated). Event ids are stable: 1xxx connection, 3xxx consumers.</summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(1001, LogLevel.Information, "Connected to RabbitMQ ({Role}) at {Endpoint}")]
    public static partial void Connected(ILogger logger, ConnectionRole role, string endpoint);

    [LoggerMessage(1002, LogLevel.Warning, "RabbitMQ connection lost ({ReplyCode} {ReplyText}); recovering automatically")]
    public static partial void ConnectionLost(ILogger logger, ushort replyCode, string replyText);

    [LoggerMessage(1003, LogLevel.Information, "RabbitMQ connection recovered")]
    public static partial void ConnectionRecovered(ILogger logger);

    [LoggerMessage(1004, LogLevel.Warning, "RabbitMQ blocked the connection: {Reason}")]
    public static partial void ConnectionBlocked(ILogger logger, string reason);

    [LoggerMessage(1006, LogLevel.Information, "RabbitMQ unblocked the connection")]
    public static partial void ConnectionUnblocked(ILogger logger);

    [LoggerMessage(1005, LogLevel.Debug, "Closing a RabbitMQ connection or channel failed")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(3002, LogLevel.Information, "Consuming queue {Queue} (concurrency {Concurrency}, prefetch {Prefetch})")]
    public static partial void Consuming(ILogger logger, string queue, int concurrency, int prefetch);

    [LoggerMessage(3006, LogLevel.Warning, "Cancelling the consumer of queue {Queue} failed: {Reason}")]
    public static partial void CancelFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(3007, LogLevel.Warning, "The broker closed the consumer channel of queue {Queue} ({ReplyCode} {ReplyText})")]
    public static partial void ConsumerChannelClosed(ILogger logger, string queue, ushort replyCode, string replyText);

    [LoggerMessage(3018, LogLevel.Warning, "Automatic recovery re-opened the channel of a retired consumer of queue {Queue} (the connection dropped right after the broker closed that channel): closing it, its messages go back to the queue once")]
    public static partial void RetiredConsumerRecovered(ILogger logger, string queue);

    [LoggerMessage(3008, LogLevel.Warning, "The broker cancelled the consumer of queue {Queue}")]
    public static partial void ConsumerCancelledByBroker(ILogger logger, string queue);

    [LoggerMessage(3011, LogLevel.Warning, "Lost the channel before acking delivery {DeliveryTag} on queue {Queue} ({Reason}); the broker will redeliver it")]
    public static partial void AckLost(ILogger logger, string queue, ulong deliveryTag, string reason);

    [LoggerMessage(3012, LogLevel.Error, "Could not dead-letter a message from queue {Queue}; it was requeued (the queue's delivery limit bounds the loop)")]
    public static partial void DeadLetterFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(3013, LogLevel.Error, "Could not send a message from queue {Queue} round again (retry or delay); it was requeued")]
    public static partial void RedeliveryFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(3016, LogLevel.Error, "Processing delivery {DeliveryTag} on queue {Queue} failed unexpectedly; {WhatFollows}")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, string queue, ulong deliveryTag, string whatFollows);

    [LoggerMessage(3017, LogLevel.Warning, "The delay levels' delivery exchange {Exchange} has no alternate exchange (an older TaskFlow declared it): a delayed task whose queue was deleted is retried there forever and can stall delays for every queue. Add it without downtime: rabbitmqctl set_policy --apply-to exchanges taskflow-delay-unroutable '^{Exchange}$' '{{\"alternate-exchange\":\"{Unroutable}\"}}' (escape the dots), or delete the exchange while no delayed task is in flight and restart")]
    public static partial void DeliveryExchangeWithoutAlternate(ILogger logger, string exchange, string unroutable);

    [LoggerMessage(6001, LogLevel.Warning, "The RabbitMQ management API at {Uri} is not reachable ({Reason}); queue statistics come from passive declares (depth and consumers only)")]
    public static partial void ManagementUnreachable(ILogger logger, Uri uri, string reason);

    [LoggerMessage(6002, LogLevel.Information, "Re-drove {Done} of {Matched} matching dead letters from {DeadLetterQueue} ({Failed} failed, {Examined} examined)")]
    public static partial void Redriven(ILogger logger, string deadLetterQueue, long done, long matched, long failed, long examined);

    [LoggerMessage(6003, LogLevel.Information, "Discarded {Done} dead letters from {DeadLetterQueue} ({Examined} examined)")]
    public static partial void Discarded(ILogger logger, string deadLetterQueue, long done, long examined);

    [LoggerMessage(6004, LogLevel.Information, "Purged {Purged} messages from queue {Queue} (drained one by one: {Drained})")]
    public static partial void Purged(ILogger logger, string queue, long purged, bool drained);

    [LoggerMessage(6005, LogLevel.Warning, "Could not re-drive dead letter {TaskId} from {DeadLetterQueue} to queue {Queue}: {Reason}; it stays in the dead-letter queue")]
    public static partial void RedriveFailed(ILogger logger, string? taskId, string deadLetterQueue, string queue, string reason);

    [LoggerMessage(6006, LogLevel.Warning, "Dead-letter queue {DeadLetterQueue} holds {Count} messages; one operation examines at most the first {Max}")]
    public static partial void ScanCapped(ILogger logger, string deadLetterQueue, long count, int max);
}
