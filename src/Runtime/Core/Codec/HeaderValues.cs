using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace TaskFlow.Core;

/// <summary>Reads AMQP header values as the transports hand them over (strings arrive as UTF-8 bytes).</summary>
internal static class HeaderValues
{
    public static object? Decode(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IList<object?> list => DecodeList(list),
        _ => value,
    };

    public static string? String(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        } : null;

    /// <summary>
    /// A string header whose values repeat from message to message (the task name): the same string each time for the
    /// same value (<see cref="KnownStrings"/>), not a new one per message.
    /// </summary>
    public static string? RepeatedString(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => KnownStrings.Shared.Get(bytes),
            string text => text,
            _ => null,
        } : null;

    /// <summary>
    /// A string header that often equals a string already decoded (a task's root id is its own id when it was not sent
    /// from inside another task): <paramref name="same"/> itself when the value is equal to it, not a copy.
    /// </summary>
    public static string? StringOrSame(IDictionary<string, object?> headers, string name, string same) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => IsAsciiOf(bytes, same) ? same : Encoding.UTF8.GetString(bytes),
            string text => text == same ? same : text,
            _ => null,
        } : null;

    /// <summary>True when <paramref name="utf8"/> is all ASCII and spells <paramref name="text"/> (so decoding it would give an equal string).</summary>
    internal static bool IsAsciiOf(ReadOnlySpan<byte> utf8, string text)
    {
        if (utf8.Length != text.Length)
        {
            return false;
        }

        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0x80 || utf8[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }

    public static int Int32(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            int i => i,
            long l => (int)l,
            byte b => b,
            short s => s,
            string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            byte[] bytes when int.TryParse(Encoding.UTF8.GetString(bytes), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => 0,
        } : 0;

    /// <summary>A whole number header (an AMQP long, or shorter); <c>null</c> when it is missing or not a number.</summary>
    public static long? Int64(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            long l => l,
            int i => i,
            uint u => u,
            short s => s,
            byte b => b,
            _ => null,
        } : null;

    public static bool Boolean(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) && value is true;

    public static DateTimeOffset? Time(IDictionary<string, object?> headers, string name)
    {
        var text = String(headers, name);
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    /// <summary>Celery <c>timelimit</c> header, <c>[hard, soft]</c> in seconds on the wire, returned as (soft, hard).</summary>
    public static (TimeSpan? Soft, TimeSpan? Hard) TimeLimits(IDictionary<string, object?> headers, string name)
    {
        if (!headers.TryGetValue(name, out var value) || value is not IList<object?> { Count: 2 } list)
        {
            return (null, null);
        }

        return (Seconds(list[1]), Seconds(list[0]));
    }

    public static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);

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
            byte[] b when double.TryParse(Encoding.UTF8.GetString(b), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        return seconds is > 0 and < 1e9 ? TimeSpan.FromSeconds(seconds.Value) : null;
    }

    private static List<object?> DecodeList(IList<object?> list)
    {
        var decoded = new List<object?>(list.Count);
        foreach (var item in list)
        {
            decoded.Add(Decode(item));
        }

        return decoded;
    }
}
