using System;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TaskFlow.Infrastructure;

/// <summary>Helpers used by generated <see cref="ITaskArgumentWriter"/> implementations.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ArgumentJson
{
    /// <summary>Writes one argument with the configured serializer metadata.</summary>
    public static void Write<T>(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(options);
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }
}
