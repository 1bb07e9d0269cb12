using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Text.Json;
using TaskFlow.Core;

namespace TaskFlow.Infrastructure;

/// <summary>
/// A task message as a transport carries it: the Celery protocol v2 headers and the JSON body <c>[args, kwargs, embed]</c>.
/// What an in-process transport (<c>TaskFlow.Testing</c>'s harness) receives through <see cref="ITaskMessageSink"/> and
/// runs with <see cref="TaskMessageRunner"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskMessage
{
    internal TaskMessage(TaskEnvelope envelope)
    {
        Id = envelope.Id;
        TaskName = envelope.TaskName;
        Queue = envelope.Queue;
        Eta = envelope.Eta;
        Priority = envelope.Priority;
        // A copy: the envelope's dictionary belongs to the transport that sends it (e.g. the one an observer forwards to).
        Headers = new Dictionary<string, object?>(envelope.Headers, StringComparer.Ordinal);
        Body = envelope.Body.ToArray();
    }

    /// <summary>The task id.</summary>
    public string Id { get; }

    /// <summary>The task's wire name.</summary>
    public string TaskName { get; }

    /// <summary>The queue it was sent to.</summary>
    public string Queue { get; }

    /// <summary>When it is due (a countdown or ETA), or <c>null</c>: at once.</summary>
    public DateTimeOffset? Eta { get; }

    /// <summary>The message priority, if one was set.</summary>
    public byte? Priority { get; }

    /// <summary>The headers (<c>task</c>, <c>id</c>, <c>retries</c>, <c>eta</c>, <c>expires</c>, custom ones...).</summary>
    public IReadOnlyDictionary<string, object?> Headers { get; }

    /// <summary>The UTF-8 JSON body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// The message arguments, as the worker binds them for <paramref name="task"/> (by position, or by keyword from
    /// <c>kwargs</c>), deserialized with <paramref name="options"/> (<see cref="TaskFlowOptions.SerializerOptions"/>).
    /// </summary>
    public TaskArgumentReader ReadArguments(TaskDescriptor task, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        var root = JsonSerializer.Deserialize<JsonElement>(Body.Span);
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() < 2)
        {
            throw new InvalidOperationException($"TaskFlow: the body of task {TaskName} [{Id}] is not [args, kwargs, embed].");
        }

        return new TaskArgumentReader(task, root[0], root[1], options);
    }

    /// <inheritdoc />
    public override string ToString() => $"{TaskName} [{Id}] on {Queue}";
}
