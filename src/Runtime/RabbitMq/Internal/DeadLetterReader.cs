using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using TaskFlow.Protocol;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>Reads a message of a dead-letter queue into a <see cref="DeadLetter"/>: the task and the failure headers.</summary>
internal static class DeadLetterReader
{
    public static DeadLetter Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, string queue, string deadLetterQueue)
    {
        var raw = properties.Headers;
        var headers = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        if (raw is not null)
        {
            foreach (var (key, value) in raw)
            {
                headers[key] = Text(value);
            }
        }

        string? Get(string name) => headers.TryGetValue(name, out var value) ? value : null;

        var (deathReason, deathTime) = FirstDeath(raw);
        var reason = Get(MessageHeaders.DeadLetterReason) ?? deathReason;
        return new DeadLetter(
            TaskId: Get(MessageHeaders.Id) ?? properties.CorrelationId,
            TaskName: Get(MessageHeaders.Task),
            Queue: Get(MessageHeaders.OriginalQueue) ?? queue,
            DeadLetterQueue: deadLetterQueue,
            Reason: reason,
            ExceptionType: Get(MessageHeaders.ExceptionType),
            ExceptionMessage: Get(MessageHeaders.ExceptionMessage),
            StackTrace: Get(MessageHeaders.StackTrace),
            FailedAt: Time(Get(MessageHeaders.FailedAt)) ?? deathTime,
            FirstFailedAt: Time(Get(MessageHeaders.FirstFailedAt)),
            Attempts: int.TryParse(Get(MessageHeaders.Attempts), NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempts) ? attempts : null,
            EntityKey: Get(MessageHeaders.EntityKey),
            Worker: Get(MessageHeaders.Worker),
            DeliveryCount: long.TryParse(Get(MessageHeaders.DeliveryCount), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : null,
            ContentType: properties.ContentType,
            Headers: headers,
            Body: body);
    }

    /// <summary>The reason and time of the newest <c>x-death</c> entry (the broker puts it first).</summary>
    private static (string? Reason, DateTimeOffset? Time) FirstDeath(IDictionary<string, object?>? headers)
    {
        if (headers is null || !headers.TryGetValue("x-death", out var value) || value is not IList { Count: > 0 } deaths
            || deaths[0] is not IDictionary<string, object?> death)
        {
            return (null, null);
        }

        var reason = death.TryGetValue("reason", out var r) ? Text(r) : null;
        DateTimeOffset? time = death.TryGetValue("time", out var t) && t is AmqpTimestamp stamp
            ? DateTimeOffset.FromUnixTimeSeconds(stamp.UnixTime)
            : null;
        return (reason, time);
    }

    private static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>A header value as text: strings as they are, numbers invariant, lists and tables as JSON-like text.</summary>
    public static string? Text(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        AmqpTimestamp stamp => DateTimeOffset.FromUnixTimeSeconds(stamp.UnixTime).ToString("O", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IDictionary<string, object?> table => Table(table),
        IEnumerable list => List(list),
        _ => value.ToString(),
    };

    private static string Table(IDictionary<string, object?> table)
    {
        var builder = new StringBuilder("{");
        foreach (var (key, value) in table)
        {
            if (builder.Length > 1)
            {
                builder.Append(", ");
            }

            builder.Append('"').Append(key).Append("\": ").Append(Quoted(value));
        }

        return builder.Append('}').ToString();
    }

    private static string List(IEnumerable list)
    {
        var builder = new StringBuilder("[");
        foreach (var item in list)
        {
            if (builder.Length > 1)
            {
                builder.Append(", ");
            }

            builder.Append(Quoted(item));
        }

        return builder.Append(']').ToString();
    }

    private static string Quoted(object? value) => value switch
    {
        null => "null",
        byte[] or string or AmqpTimestamp => "\"" + Text(value)!.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        _ => Text(value)!,
    };
}
