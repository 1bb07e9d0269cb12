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
