using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace TaskFlow.Core.Replay;

/// <summary>
/// One task message to replay: its AMQP headers and body as the broker carried them, and where it came from. Read from
/// a dead-letter queue (<see cref="IDeadLetterSource"/>) or from a JSON file (<c>taskflow dead show ID --json</c> writes
/// one): <c>{"queue": ..., "headers": {...}, "contentType": ..., "body": "..." | "bodyBase64": "..."}</c>.
/// </summary>
internal sealed record ReplayMessage(string Queue, IDictionary<string, object?> Headers, string? ContentType, ReadOnlyMemory<byte> Body, string Source)
{
    public static ReplayMessage FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ReplayException($"No such file: {path}. Write one with `taskflow dead show <task-id> --json > {Path.GetFileName(path)}`.");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return FromJson(document.RootElement, $"file {path}");
        }
        catch (JsonException ex)
        {
            throw new ReplayException($"{path} is not a task message in JSON ({ex.Message}); expected {{\"queue\", \"headers\", \"body\"}} as `taskflow dead show <task-id> --json` writes it.", ex);
        }
    }

    public static ReplayMessage FromJson(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("headers", out var headers) || headers.ValueKind != JsonValueKind.Object)
        {
            throw new ReplayException($"The task message from {source} has no \"headers\" object; expected {{\"queue\", \"headers\", \"body\"}} as `taskflow dead show <task-id> --json` writes it.");
        }

        byte[] body;
        if (root.TryGetProperty("bodyBase64", out var base64) && base64.ValueKind == JsonValueKind.String)
        {
            body = Convert.FromBase64String(base64.GetString()!);
        }
        else if (root.TryGetProperty("body", out var text))
        {
            body = text.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(text.GetString()!) : Encoding.UTF8.GetBytes(text.GetRawText());
        }
        else
        {
            throw new ReplayException($"The task message from {source} has no \"body\" (or \"bodyBase64\").");
        }

        var queue = root.TryGetProperty("queue", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : "replay";
        var contentType = root.TryGetProperty("contentType", out var ct) && ct.ValueKind == JsonValueKind.String ? ct.GetString() : "application/json";
        var decoded = headers.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value), StringComparer.Ordinal);
        return new ReplayMessage(queue, decoded, contentType, body, source);
    }

    private static object? Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(Value).ToList(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value), StringComparer.Ordinal),
        _ => null,
    };
}

/// <summary>A replay that cannot start: the message cannot be found or read. The message says what to do.</summary>
internal sealed class ReplayException : Exception
{
    public ReplayException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
