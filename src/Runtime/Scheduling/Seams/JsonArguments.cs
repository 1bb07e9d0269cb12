using System.Text.Json;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling;

/// <summary>A schedule's stored arguments (a JSON array) written as a message's positional arguments.</summary>
internal readonly struct JsonArguments : ITaskArgumentWriter
{
    private readonly string _json;

    public JsonArguments(string json)
    {
        _json = json;
    }

    public void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options)
    {
        using var document = JsonDocument.Parse(_json);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            element.WriteTo(writer);
        }
    }

    /// <summary>Writes <paramref name="arguments"/> (a generated argument struct) as a JSON array.</summary>
    public static string Serialize(ITaskArgumentWriter? arguments, JsonSerializerOptions options)
    {
        if (arguments is null)
        {
            return "[]";
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            arguments.WriteTo(writer, options);
            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
