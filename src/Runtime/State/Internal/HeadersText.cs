using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;

namespace TaskFlow.State.Internal;

/// <summary>
/// What the store keeps of a task's message for the task detail (schema version 13): its trace id (from
/// <c>traceparent</c>) and its headers as a JSON object of strings (<c>task_state.headers</c>), stored with the task's
/// first record and never overwritten, as <see cref="ArgumentsText"/>. The argument headers (<c>argsrepr</c>,
/// <c>kwargsrepr</c>) are redacted as the arguments column is (<c>[Sensitive]</c> arguments as <c>***</c>; the whole value
/// as <c>***</c> when it cannot be redacted); each value is cut at <see cref="MaxValueLength"/> characters and the whole
/// at <see cref="MaxLength"/> (the headers that do not fit are left out and counted under <see cref="CutKey"/>).
/// </summary>
internal static class HeadersText
{
    /// <summary>The most characters kept (the column is <c>text</c> / <c>nvarchar(4000)</c>).</summary>
    public const int MaxLength = 4000;

    /// <summary>The most characters of one header value.</summary>
    public const int MaxValueLength = 500;

    /// <summary>The trace id's length: 32 hexadecimal digits (W3C trace context).</summary>
    public const int TraceIdLength = 32;

    /// <summary>The key that says how many headers did not fit in <see cref="MaxLength"/>.</summary>
    public const string CutKey = "(left out)";

    private const string Hidden = "***";

    /// <summary>The trace id of a <c>traceparent</c> header (<c>00-{trace id}-{span id}-{flags}</c>), or <c>null</c>.</summary>
    public static string? TraceIdOf(object? traceparent)
    {
        if (traceparent is not string { Length: >= 55 } value || value[2] != '-' || value[35] != '-')
        {
            return null;
        }

        var id = value.AsSpan(3, TraceIdLength);
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        return id.ToString().ToLowerInvariant();
    }

    /// <summary>Of a message TaskFlow is about to send: its argument headers are redacted already (<see cref="TaskEnvelope"/>).</summary>
    public static string? Of(TaskEnvelope envelope) => Write(envelope.Headers, sensitive: null);

    /// <summary>Of a received message: the sensitive arguments are those its <c>x-taskflow-sensitive</c> header names, else those <paramref name="task"/> declares.</summary>
    public static string? Of(TaskHeaders headers, TaskDescriptor? task)
    {
        var raw = headers.Raw;
        var sensitive = raw.TryGetValue(MessageHeaders.Sensitive, out var header) && header is string { Length: > 0 } h ? h : task?.SensitiveHeader;
        return Write(raw, sensitive);
    }

    /// <summary>Of a received message, looking its task up in <paramref name="tasks"/> (when this process knows it).</summary>
    public static string? Of(TaskHeaders headers, TaskRegistry? tasks) =>
        Of(headers, tasks is not null && tasks.TryGet(headers.TaskName, out var task) ? task : null);

    /// <summary>The headers as a JSON object of strings, redacted and bounded; <c>null</c> when there are none.</summary>
    internal static string? Write(IEnumerable<KeyValuePair<string, object?>> headers, string? sensitive)
    {
        var values = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in headers)
        {
            var text = ValueText(value);
            if (text is not null && sensitive is not null)
            {
                if (name == MessageHeaders.ArgsRepr)
                {
                    text = SensitiveArguments.TryRedactArguments(text, sensitive) ?? Hidden;
                }
                else if (name == MessageHeaders.KwargsRepr)
                {
                    text = SensitiveArguments.TryRedactKeywordArguments(text, sensitive) ?? Hidden;
                }
            }

            values.Add(new(name, text is null ? null : Bound(text, MaxValueLength)));
        }

        if (values.Count == 0)
        {
            return null;
        }

        values.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var buffer = new ArrayBufferWriter<byte>(1024);
        var left = 0;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var length = 2;
            foreach (var (name, text) in values)
            {
                // An estimate of the characters it adds (escapes aside): what does not fit is left out, counted below.
                var size = name.Length + (text?.Length ?? 4) + 6;
                if (length + size > MaxLength - 40)
                {
                    left++;
                    continue;
                }

                length += size;
                writer.WriteString(name, text);
            }

            if (left > 0)
            {
                writer.WriteString(CutKey, left.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            writer.WriteEndObject();
        }

        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        return json.Length <= MaxLength ? json : null; // escapes made it longer than the column: nothing rather than a cut JSON
    }

    /// <summary>Reads back what <see cref="Write"/> stored (a JSON object of strings); empty when it is not one.</summary>
    public static IReadOnlyDictionary<string, string?> Read(string? json)
    {
        var headers = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return headers;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return headers;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                headers[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => property.Value.GetString(),
                    _ => property.Value.GetRawText(),
                };
            }
        }
        catch (JsonException)
        {
            // not written by Write: shown as none
        }

        return headers;
    }

    private static string? ValueText(object? value) => value switch
    {
        null => null,
        string s => s,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable => JsonOf(value),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string JsonOf(object value)
    {
        try
        {
            return HeaderJson.Write(new Dictionary<string, object?> { ["v"] = value })[5..^1];
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return value.ToString() ?? "";
        }
    }

    /// <summary><paramref name="text"/> cut at <paramref name="max"/> characters (never half a character), without NUL characters.</summary>
    internal static string Bound(string text, int max)
    {
        if (text.Length > max)
        {
            var length = max - 3;
            if (char.IsHighSurrogate(text[length - 1]))
            {
                length--;
            }

            text = string.Concat(text.AsSpan(0, length), "...");
        }

        return text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
    }
}
