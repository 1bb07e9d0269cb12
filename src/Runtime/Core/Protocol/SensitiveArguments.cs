using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using TaskFlow.Infrastructure;

namespace TaskFlow.Protocol;

/// <summary>
/// Redaction of <c>[Sensitive]</c> task arguments by the <see cref="MessageHeaders.Sensitive"/> header a message carries:
/// what the dashboard and the CLI use to show a message's body or arguments without the task's assembly. The message
/// itself is never changed.
/// </summary>
public static class SensitiveArguments
{
    /// <summary>What is shown in place of a sensitive value.</summary>
    public const string Mask = "***";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The body <c>[args, kwargs, embed]</c> (JSON text) with the sensitive positional and keyword arguments replaced by
    /// <c>"***"</c>; unchanged when <paramref name="sensitiveHeader"/> is empty. A body that cannot be read as that shape
    /// while the header is present is not shown at all (a placeholder is returned), so nothing leaks.
    /// </summary>
    public static string RedactBody(string body, string? sensitiveHeader)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!TryParse(sensitiveHeader, out var positions, out var names))
        {
            return body;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return Hidden;
            }

            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                writer.WriteStartArray();
                var index = 0;
                foreach (var element in document.RootElement.EnumerateArray())
                {
                    if (index == 0 && element.ValueKind == JsonValueKind.Array)
                    {
                        WriteArgs(writer, element, positions);
                    }
                    else if (index == 1 && element.ValueKind == JsonValueKind.Object)
                    {
                        WriteKwargs(writer, element, names);
                    }
                    else
                    {
                        element.WriteTo(writer);
                    }

                    index++;
                }

                writer.WriteEndArray();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (JsonException)
        {
            return Hidden;
        }
    }

    /// <summary>A positional argument list (a JSON array, e.g. <c>argsrepr</c> as TaskFlow writes it) with the sensitive positions replaced by <c>"***"</c>.</summary>
    public static string RedactArguments(string arguments, string? sensitiveHeader)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!TryParse(sensitiveHeader, out var positions, out _))
        {
            return arguments;
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return Hidden;
            }

            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                WriteArgs(writer, document.RootElement, positions);
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (JsonException)
        {
            return Hidden;
        }
    }

    /// <summary>
    /// As <see cref="RedactArguments"/>, but <c>null</c> instead of a placeholder when <paramref name="arguments"/> is not a
    /// JSON list (e.g. cut short, or Celery's Python repr) while <paramref name="sensitiveHeader"/> names arguments.
    /// </summary>
    internal static string? TryRedactArguments(string arguments, string? sensitiveHeader)
    {
        var redacted = RedactArguments(arguments, sensitiveHeader);
        return ReferenceEquals(redacted, Hidden) ? null : redacted;
    }

    /// <summary>
    /// A keyword argument object (a JSON object, e.g. a <c>kwargsrepr</c>) with the sensitive names' values replaced by
    /// <c>"***"</c>; <c>null</c> when it is not a JSON object while <paramref name="sensitiveHeader"/> names arguments.
    /// </summary>
    internal static string? TryRedactKeywordArguments(string kwargs, string? sensitiveHeader)
    {
        if (!TryParse(sensitiveHeader, out _, out var names))
        {
            return kwargs;
        }

        try
        {
            using var document = JsonDocument.Parse(kwargs);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                WriteKwargs(writer, document.RootElement, names);
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads a <see cref="MessageHeaders.Sensitive"/> header: the sensitive positions and keyword names. <c>false</c>
    /// when it is missing or names none.
    /// </summary>
    public static bool TryParse(string? sensitiveHeader, out IReadOnlySet<int> positions, out IReadOnlySet<string> names)
    {
        var p = new HashSet<int>();
        var n = new HashSet<string>(StringComparer.Ordinal);
        positions = p;
        names = n;
        if (string.IsNullOrWhiteSpace(sensitiveHeader))
        {
            return false;
        }

        foreach (var part in sensitiveHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(part.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            {
                p.Add(position);
                if (colon < part.Length - 1)
                {
                    n.Add(part[(colon + 1)..]);
                }
            }
            else
            {
                n.Add(part); // a bare name: a keyword argument
            }
        }

        return p.Count > 0 || n.Count > 0;
    }

    /// <summary>The header for a task's arguments, or <c>null</c> when none is sensitive.</summary>
    internal static string? Format(IReadOnlyList<TaskArgumentDescriptor> arguments)
    {
        StringBuilder? text = null;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (!arguments[i].Sensitive)
            {
                continue;
            }

            text = text is null ? new StringBuilder() : text.Append(',');
            text.Append(i.ToString(CultureInfo.InvariantCulture)).Append(':').Append(arguments[i].WireName);
        }

        return text?.ToString();
    }

    private const string Hidden = "(not shown: the message has sensitive arguments and its body could not be read to redact them)";

    private static void WriteArgs(Utf8JsonWriter writer, JsonElement args, IReadOnlySet<int> positions)
    {
        writer.WriteStartArray();
        var i = 0;
        foreach (var value in args.EnumerateArray())
        {
            if (positions.Contains(i))
            {
                writer.WriteStringValue(Mask);
            }
            else
            {
                value.WriteTo(writer);
            }

            i++;
        }

        writer.WriteEndArray();
    }

    private static void WriteKwargs(Utf8JsonWriter writer, JsonElement kwargs, IReadOnlySet<string> names)
    {
        writer.WriteStartObject();
        foreach (var property in kwargs.EnumerateObject())
        {
            if (names.Contains(property.Name))
            {
                writer.WriteString(property.Name, Mask);
            }
            else
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }
}
