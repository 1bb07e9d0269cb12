using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TaskFlow.Protocol;

/// <summary>A received task message, decoded from Celery protocol v2 headers and a JSON body.</summary>
internal sealed class TaskMessage : IDisposable
{
    private readonly JsonDocument _document;

    private TaskMessage(string id, string taskName, JsonDocument document, JsonElement args, JsonElement kwargs, IReadOnlyDictionary<string, object?> headers)
    {
        Id = id;
        TaskName = taskName;
        _document = document;
        Args = args;
        Kwargs = kwargs;
        Headers = headers;
    }

    public string Id { get; }

    public string TaskName { get; }

    public JsonElement Args { get; }

    public JsonElement Kwargs { get; }

    public IReadOnlyDictionary<string, object?> Headers { get; }

    public int Retries => Headers.TryGetValue(CeleryHeaders.Retries, out var value) ? ToInt32(value) : 0;

    public string? RootId => GetString(CeleryHeaders.RootId);

    public string? ParentId => GetString(CeleryHeaders.ParentId);

    public DateTimeOffset? Eta => GetTime(CeleryHeaders.Eta);

    public DateTimeOffset? Expires => GetTime(CeleryHeaders.Expires);

    /// <summary>Celery <c>timelimit</c> header, <c>[hard, soft]</c> in seconds on the wire, returned as (soft, hard).</summary>
    public (TimeSpan? Soft, TimeSpan? Hard) TimeLimits
    {
        get
        {
            if (!Headers.TryGetValue(CeleryHeaders.TimeLimit, out var value) || value is not IList<object?> { Count: 2 } list)
            {
                return (null, null);
            }

            return (Seconds(list[1]), Seconds(list[0]));
        }
    }

    public void Dispose() => _document.Dispose();

    private static TimeSpan? Seconds(object? value)
    {
        double? seconds = value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        return seconds is > 0 and < 1e9 ? TimeSpan.FromSeconds(seconds.Value) : null;
    }

    /// <summary>Decodes a delivery. Returns a reason from <see cref="DeadLetterReason"/> when it cannot.</summary>
    public static TaskMessage? TryDecode(
        IDictionary<string, object?>? rawHeaders,
        string? contentType,
        string? contentEncoding,
        ReadOnlyMemory<byte> body,
        out string? reason,
        out string? detail)
    {
        if (contentType is not null && !string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            reason = DeadLetterReason.UnsupportedContentType;
            detail = $"content type '{contentType}' is not application/json";
            return null;
        }

        if (contentEncoding is not null && !string.Equals(contentEncoding, "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            reason = DeadLetterReason.UnsupportedContentType;
            detail = $"content encoding '{contentEncoding}' is not utf-8";
            return null;
        }

        var headers = new DecodedHeaders(rawHeaders);
        var taskName = headers.TryGetValue(CeleryHeaders.Task, out var t) ? t as string : null;
        var id = headers.TryGetValue(CeleryHeaders.Id, out var i) ? i as string : null;
        if (string.IsNullOrEmpty(taskName) || string.IsNullOrEmpty(id))
        {
            reason = DeadLetterReason.UnsupportedEnvelope;
            detail = "the 'task' and 'id' headers are required (Celery message protocol version 2); protocol 1 messages are not supported";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            reason = DeadLetterReason.MalformedBody;
            detail = "body is not valid JSON: " + ex.Message;
            return null;
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() < 2
            || root[0].ValueKind != JsonValueKind.Array || root[1].ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            reason = DeadLetterReason.MalformedBody;
            detail = "body must be a JSON array [args, kwargs, embed] with args an array and kwargs an object";
            return null;
        }

        reason = null;
        detail = null;
        return new TaskMessage(id, taskName, document, root[0], root[1], headers);
    }

    internal static object? DecodeValue(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IList<object?> list => DecodeList(list),
        _ => value,
    };

    private static List<object?> DecodeList(IList<object?> list)
    {
        var decoded = new List<object?>(list.Count);
        foreach (var item in list)
        {
            decoded.Add(DecodeValue(item));
        }

        return decoded;
    }

    private string? GetString(string name) => Headers.TryGetValue(name, out var value) ? value as string : null;

    private DateTimeOffset? GetTime(string name)
    {
        var text = GetString(name);
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    private static int ToInt32(object? value) => value switch
    {
        int i => i,
        long l => (int)l,
        byte b => b,
        short s => s,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => 0,
    };
}

/// <summary>
/// A message's headers as the task sees them: string values decoded from the UTF-8 bytes RabbitMQ.Client
/// hands over, on access. Nothing is copied per delivery; a worker reads only the few headers it needs.
/// </summary>
internal sealed class DecodedHeaders : IReadOnlyDictionary<string, object?>
{
    private static readonly Dictionary<string, object?> None = new(StringComparer.Ordinal);
    private readonly IDictionary<string, object?> _raw;

    public DecodedHeaders(IDictionary<string, object?>? raw)
    {
        _raw = raw ?? None;
    }

    public int Count => _raw.Count;

    public IEnumerable<string> Keys => _raw.Keys;

    public IEnumerable<object?> Values
    {
        get
        {
            foreach (var value in _raw.Values)
            {
                yield return TaskMessage.DecodeValue(value);
            }
        }
    }

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no header '{key}'");

    public bool ContainsKey(string key) => _raw.ContainsKey(key);

    public bool TryGetValue(string key, out object? value)
    {
        if (_raw.TryGetValue(key, out var raw))
        {
            value = TaskMessage.DecodeValue(raw);
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var (key, value) in _raw)
        {
            yield return new KeyValuePair<string, object?>(key, TaskMessage.DecodeValue(value));
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
