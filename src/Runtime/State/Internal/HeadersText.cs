using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
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
    /// <remarks>
    /// Once per run on the worker's path (the started record), so it allocates little: the list, JSON writers and buffers
    /// are reused per thread, and a received header's UTF-8 bytes are written as they are (no string per value) when
    /// they are valid UTF-8 without NUL, within <see cref="MaxValueLength"/> bytes and not redacted. Only the result is a
    /// new string.
    /// </remarks>
    internal static string? Write(IEnumerable<KeyValuePair<string, object?>> headers, string? sensitive)
    {
        // A received message's headers: read the transport's values (UTF-8 bytes), not the decoding view over them.
        IEnumerable<KeyValuePair<string, object?>> source = headers is DecodedHeaders decoded ? decoded.Source : headers;
        var cached = t_scratch ?? new Scratch();
        t_scratch = null; // re-entrant use (a header value's ToString writing headers) gets its own
        try
        {
            var values = cached.Values;
            values.Clear();
            foreach (var header in source)
            {
                values.Add(header);
            }

            if (values.Count == 0)
            {
                return null;
            }

            values.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var buffer = cached.Buffer;
            buffer.ResetWrittenCount();
            var writer = cached.Json;
            writer.Reset(buffer);
            var left = 0;
            var length = 2;
            writer.WriteStartObject();
            foreach (var (name, value) in values)
            {
                var redacted = sensitive is not null && (name == MessageHeaders.ArgsRepr || name == MessageHeaders.KwargsRepr);
                if (!redacted && value is byte[] bytes && bytes.Length <= MaxValueLength && bytes.AsSpan().IndexOf((byte)0) < 0 && Utf8.IsValid(bytes))
                {
                    // An estimate of the characters it adds (bytes: never fewer than characters; escapes aside).
                    if (!Fits(ref length, name.Length + bytes.Length + 6))
                    {
                        left++;
                        continue;
                    }

                    writer.WriteString(name, bytes);
                    continue;
                }

                var text = ValueText(value, cached);
                if (text is not null && redacted)
                {
                    text = name == MessageHeaders.ArgsRepr
                        ? SensitiveArguments.TryRedactArguments(text, sensitive!) ?? Hidden
                        : SensitiveArguments.TryRedactKeywordArguments(text, sensitive!) ?? Hidden;
                }

                text = text is null ? null : Bound(text, MaxValueLength);
                if (!Fits(ref length, name.Length + (text?.Length ?? 4) + 6))
                {
                    left++;
                    continue;
                }

                writer.WriteString(name, text);
            }

            if (left > 0)
            {
                writer.WriteString(CutKey, left.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            writer.WriteEndObject();
            writer.Flush();
            var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
            return json.Length <= MaxLength ? json : null; // escapes made it longer than the column: nothing rather than a cut JSON
        }
        finally
        {
            cached.Values.Clear();
            if (cached.Buffer.Capacity <= Scratch.MaxKeptCapacity && cached.Nested.Capacity <= Scratch.MaxKeptCapacity)
            {
                t_scratch = cached;
            }
        }
    }

    /// <summary>Adds <paramref name="size"/> to <paramref name="length"/> when the whole stays within <see cref="MaxLength"/> (with room for the cut count).</summary>
    private static bool Fits(ref int length, int size)
    {
        if (length + size > MaxLength - 40)
        {
            return false;
        }

        length += size;
        return true;
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

    private static string? ValueText(object? value, Scratch scratch) => value switch
    {
        null => null,
        string s => s,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable => JsonOf(value, scratch),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>A list header (Celery's <c>timelimit</c>, say) as its JSON text.</summary>
    private static string JsonOf(object value, Scratch scratch)
    {
        var buffer = scratch.Nested;
        buffer.ResetWrittenCount();
        var writer = scratch.NestedJson;
        writer.Reset(buffer);
        try
        {
            HeaderJson.WriteValue(writer, value);
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return value.ToString() ?? "";
        }
    }

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>What <see cref="Write"/> reuses on one thread: the sorted list, the JSON writers and their buffers.</summary>
    private sealed class Scratch
    {
        /// <summary>A buffer grown beyond this (a huge header) is not kept.</summary>
        public const int MaxKeptCapacity = 64 * 1024;

        public List<KeyValuePair<string, object?>> Values { get; } = new(32);

        public ArrayBufferWriter<byte> Buffer { get; } = new(1024);

        public Utf8JsonWriter Json { get; } = new(System.IO.Stream.Null);

        public ArrayBufferWriter<byte> Nested { get; } = new(64);

        public Utf8JsonWriter NestedJson { get; } = new(System.IO.Stream.Null);
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
