using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Hosting;

/// <summary>The worker host's structured logs (source-generated). Event ids 3xxx and 5040-5049 (pausing queues), stable.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(3001, LogLevel.Information, "Worker {Worker} starting: queues {Queues}; {TaskCount} tasks registered")]
    public static partial void WorkerStarting(ILogger logger, string worker, string queues, int taskCount);

    [LoggerMessage(3003, LogLevel.Information, "Worker stopping: {InFlight} tasks in flight, grace period {GracePeriod}")]
    public static partial void WorkerStopping(ILogger logger, int inFlight, TimeSpan gracePeriod);

    [LoggerMessage(3004, LogLevel.Warning, "Grace period over with {InFlight} tasks still running; cancelling them (their messages will be redelivered)")]
    public static partial void GracePeriodOver(ILogger logger, int inFlight);

    [LoggerMessage(3005, LogLevel.Information, "Worker stopped; {Abandoned} tasks were abandoned and will be redelivered")]
    public static partial void WorkerStopped(ILogger logger, int abandoned);

    [LoggerMessage(3009, LogLevel.Warning, "Re-creating the consumer of queue {Queue}")]
    public static partial void ConsumerRestarting(ILogger logger, string queue);

    [LoggerMessage(3014, LogLevel.Warning, "The old consumer of queue {Queue} still has {InFlight} task(s) running; a new consumer takes over now and the old one closes when they return (if its channel closed, their messages went back to the queue and their outcomes can no longer be acked)")]
    public static partial void ConsumerRetired(ILogger logger, string queue, int inFlight);

    [LoggerMessage(3015, LogLevel.Warning, "Task {TaskName} has a time limit of {TimeLimit}, longer than the broker's consumer timeout ({ConsumerTimeout}): a run that long has its channel closed by the broker and runs again. Add a state store so that it runs in lease mode, or raise consumer_timeout (and RabbitMqOptions.ConsumerTimeout)")]
    public static partial void TimeLimitBeyondConsumerTimeout(ILogger logger, string taskName, TimeSpan timeLimit, TimeSpan consumerTimeout);

    [LoggerMessage(5040, LogLevel.Information, "Queue {Queue} is paused: stopped consuming it ({InFlight} task(s) in flight finish and are acked; its messages stay in the queue until it is resumed)")]
    public static partial void QueuePaused(ILogger logger, string queue, int inFlight);

    [LoggerMessage(5041, LogLevel.Information, "Queue {Queue} was resumed: consuming it again")]
    public static partial void QueueResumed(ILogger logger, string queue);

    [LoggerMessage(5042, LogLevel.Warning, "Could not read the paused queues from the state store; the worker keeps the last known set until it can")]
    public static partial void PausedQueuesUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(5043, LogLevel.Information, "Queue {Queue} is paused: not consuming it until it is resumed")]
    public static partial void QueuePausedAtStart(ILogger logger, string queue);

    [LoggerMessage(3010, LogLevel.Error, "Could not start consuming queue {Queue}; retrying in {Delay}, or as soon as the broker connection recovers")]
    public static partial void ConsumerStartFailed(ILogger logger, Exception exception, string queue, TimeSpan delay);
}
