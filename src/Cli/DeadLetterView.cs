using System;
using System.Collections.Generic;
using System.Text;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli;

/// <summary>A dead letter as the tool prints it in JSON: the body as UTF-8 text (or base64 when it is not text).</summary>
internal sealed record DeadLetterView(
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
    string Body,
    string BodyEncoding)
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static DeadLetterView Of(DeadLetter letter)
    {
        string body;
        string encoding;
        try
        {
            body = Strict.GetString(letter.Body.Span);
            encoding = "utf-8";
        }
        catch (DecoderFallbackException)
        {
            body = Convert.ToBase64String(letter.Body.Span);
            encoding = "base64";
        }

        return new DeadLetterView(
            letter.TaskId, letter.TaskName, letter.Queue, letter.DeadLetterQueue, letter.Reason, letter.ExceptionType, letter.ExceptionMessage,
            letter.StackTrace, letter.FailedAt, letter.FirstFailedAt, letter.Attempts, letter.EntityKey, letter.Worker, letter.DeliveryCount,
            letter.ContentType, letter.Headers, body, encoding);
    }
}
