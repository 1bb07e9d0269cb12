using System.ComponentModel;
using System.Text.Json;

namespace TaskFlow.Infrastructure;

/// <summary>The positional arguments of one enqueue, written by generated code without reflection.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ITaskArgumentWriter
{
    /// <summary>Writes each positional argument as one JSON array element (the enclosing array is written by the caller).</summary>
    void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options);
}
