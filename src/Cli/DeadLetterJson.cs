using System;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli;

/// <summary>
/// Writes a <see cref="DeadLetter"/> as the tool prints it in JSON: every property as it is, except the body, which is
/// <c>body</c> (UTF-8 text) or <c>bodyBase64</c> (when it is not UTF-8), with <c>bodyEncoding</c> saying which. That is
/// the form <c>taskflow replay --file</c> reads.
/// </summary>
internal sealed class DeadLetterJson : JsonConverter<DeadLetter>
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private JsonSerializerOptions? _inner;

    /// <summary>The body as text and its encoding: <c>utf-8</c>, else <c>base64</c>.</summary>
    public static (string Text, string Encoding) Body(ReadOnlyMemory<byte> body)
    {
        try
        {
            return (Strict.GetString(body.Span), "utf-8");
        }
        catch (DecoderFallbackException)
        {
            return (Convert.ToBase64String(body.Span), "base64");
        }
    }

    /// <summary>
    /// The body as <see cref="Body(ReadOnlyMemory{byte})"/> gives it, with the task's <c>[Sensitive]</c> arguments shown as
    /// <c>***</c> (header <c>x-taskflow-sensitive</c>); the message in the queue is not changed.
    /// </summary>
    public static (string Text, string Encoding) RedactedBody(DeadLetter letter)
    {
        var (text, encoding) = Body(letter.Body);
        if (!letter.Headers.TryGetValue(TaskFlow.Protocol.MessageHeaders.Sensitive, out var sensitive) || string.IsNullOrWhiteSpace(sensitive))
        {
            return (text, encoding);
        }

        return encoding == "utf-8"
            ? (TaskFlow.Protocol.SensitiveArguments.RedactBody(text, sensitive), encoding)
            : ("(not shown: the message has sensitive arguments)", encoding);
    }

    public override DeadLetter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("The tool only writes dead letters.");

    public override void Write(Utf8JsonWriter writer, DeadLetter value, JsonSerializerOptions options)
    {
        var inner = _inner ??= Without(options);
        var node = JsonSerializer.SerializeToNode(value with { Body = ReadOnlyMemory<byte>.Empty }, inner)!.AsObject();
        node.Remove(Name(nameof(DeadLetter.Body), options));
        var (text, encoding) = RedactedBody(value);
        node[encoding == "utf-8" ? Name(nameof(DeadLetter.Body), options) : Name("BodyBase64", options)] = text;
        node[Name("BodyEncoding", options)] = encoding;
        node.WriteTo(writer, options);
    }

    private static string Name(string property, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;

    private JsonSerializerOptions Without(JsonSerializerOptions options)
    {
        var copy = new JsonSerializerOptions(options);
        copy.Converters.Remove(this);
        return copy;
    }
}
