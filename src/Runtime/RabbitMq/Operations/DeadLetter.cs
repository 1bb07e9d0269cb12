using System;
using System.Collections.Generic;

namespace TaskFlow.RabbitMq;

/// <summary>
/// One message of a dead-letter queue, read without removing it (<see cref="RabbitMqQueueAdmin.ListDeadLettersAsync"/>):
/// the task it carries and why it was dead-lettered (the <c>x-taskflow-*</c> headers, docs/protocol.md#dead-letters; a
/// message the broker dead-lettered itself, e.g. at the delivery limit, has only its <c>x-death</c> history).
/// </summary>
/// <param name="TaskId">The task id (header <c>id</c>, else the correlation id); <c>null</c> when the message has none.</param>
/// <param name="TaskName">The task name (header <c>task</c>).</param>
/// <param name="Queue">The work queue it came from and goes back to on re-drive (<c>x-taskflow-original-queue</c>, else the dead-letter queue's name without its suffix).</param>
/// <param name="DeadLetterQueue">The dead-letter queue it is in.</param>
/// <param name="Reason">Why: <c>x-taskflow-reason</c> (e.g. <c>task-failed</c>), else the broker's <c>x-death</c> reason (e.g. <c>delivery_limit</c>, <c>expired</c>).</param>
/// <param name="ExceptionType">The exception's full .NET type name, for failed runs.</param>
/// <param name="ExceptionMessage">The exception message, or the decoding problem.</param>
/// <param name="StackTrace">The stack trace, as far as the worker kept it.</param>
/// <param name="FailedAt">When it was dead-lettered (<c>x-taskflow-failed-at</c>, else the broker's <c>x-death</c> time).</param>
/// <param name="FirstFailedAt">When its first attempt failed.</param>
/// <param name="Attempts">Runs it had (<c>x-taskflow-attempts</c>).</param>
/// <param name="EntityKey">Its entity key (<c>x-taskflow-entity</c>).</param>
/// <param name="Worker">The worker that dead-lettered it.</param>
/// <param name="DeliveryCount">The dead-letter queue's own delivery count of it (quorum queues: <c>x-delivery-count</c>, raised by each browse on RabbitMQ 3.x).</param>
/// <param name="ContentType">The body's content type.</param>
/// <param name="Headers">Every header, values as text (binary values as UTF-8, lists and tables as JSON).</param>
/// <param name="Body">The body, as it will be re-driven.</param>
public sealed record DeadLetter(
    string? TaskId,
    string? TaskName,
    string Queue,
    string DeadLetterQueue,
    string? Reason,
    string? ExceptionType,
    string? ExceptionMessage,
    string? StackTrace,
    DateTimeOffset? FailedAt,
    DateTimeOffset? FirstFailedAt,
    int? Attempts,
    string? EntityKey,
    string? Worker,
    long? DeliveryCount,
    string? ContentType,
    IReadOnlyDictionary<string, string?> Headers,
    ReadOnlyMemory<byte> Body);
