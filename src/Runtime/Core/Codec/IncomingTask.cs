using System;
using System.Collections.Generic;
using System.Text.Json;
using TaskFlow.Protocol;

namespace TaskFlow.Core;

/// <summary>
/// A received task message, decoded from Celery protocol v2 headers and a JSON body <c>[args, kwargs, embed]</c>:
/// the headers once into <see cref="TaskHeaders"/>, the body into a pooled <see cref="JsonDocument"/> (disposed with this).
/// </summary>
internal sealed class IncomingTask : IDisposable, IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly JsonDocument _document;

    private IncomingTask(TaskHeaders headers, JsonDocument document, JsonElement args, JsonElement kwargs, ReadOnlyMemory<byte> body)
    {
        Headers = headers;
        _document = document;
        Args = args;
        Kwargs = kwargs;
        Body = body;
        Attempt = headers.RunsBefore + 1;
    }

    public TaskHeaders Headers { get; private set; }

    public string Id => Headers.Id;

    public string TaskName => Headers.TaskName;

    public int Retries => Headers.Retries;

    public JsonElement Args { get; }

    public JsonElement Kwargs { get; }

    /// <summary>The message body as received; valid only while the message is processed (copy it to keep it).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// Whether the broker delivered this message before (the AMQP <c>redelivered</c> flag, or a quorum queue's
    /// <c>x-delivery-count</c>): a run of it may have started and died, or its ack was lost.
    /// </summary>
    public bool Redelivered => Headers.Redeliveries > 0;

    /// <summary>
    /// The attempt number of this run, from 1: retries, broker redeliveries (carried across re-sends) and, with a state
    /// store, the runs it counted (which include runs rolled back by a kill). Set by the executor before the run.
    /// </summary>
    public int Attempt { get; set; }

    /// <summary>When this delivery's run started, by the state store's clock (set by the store when it records the run); <c>null</c> before.</summary>
    public DateTimeOffset? RunStartedAt { get; set; }

    /// <summary>The same message as it would arrive on retry number <paramref name="retries"/> (eager mode's inline retries).</summary>
    public void SetRetries(int retries)
    {
        Headers = Headers with { Retries = retries };
        Attempt = Headers.RunsBefore + 1;
    }

    /// <summary>The queue it is processed from (set by the processor; for the log scope).</summary>
    public string? Queue { get; set; }

    // The log scope around its processing (TaskProcessor): the task itself, so the scope allocates nothing. Read when a
    // line is logged: the attempt is the one the executor settled, the trace id the current span's.
    int IReadOnlyCollection<KeyValuePair<string, object?>>.Count => 5;

    KeyValuePair<string, object?> IReadOnlyList<KeyValuePair<string, object?>>.this[int index] => index switch
    {
        0 => new("TaskId", Id),
        1 => new("TaskName", TaskName),
        2 => new("TaskAttempt", Attempt),
        3 => new("TaskQueue", Queue),
        4 => new("TraceId", System.Diagnostics.Activity.Current?.TraceId.ToHexString()),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    IEnumerator<KeyValuePair<string, object?>> IEnumerable<KeyValuePair<string, object?>>.GetEnumerator()
    {
        IReadOnlyList<KeyValuePair<string, object?>> scope = this;
        for (var i = 0; i < scope.Count; i++)
        {
            yield return scope[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)this).GetEnumerator();

    public override string ToString() => $"task {TaskName} [{Id}] attempt {Attempt} on {Queue}";

    public void Dispose() => _document.Dispose();

    /// <summary>Decodes a delivery. Returns a reason from <see cref="DeadLetterReason"/> (and a detail) when it cannot.</summary>
    public static IncomingTask? TryDecode(
        IDictionary<string, object?>? rawHeaders,
        string? contentType,
        string? contentEncoding,
        ReadOnlyMemory<byte> body,
        out string? reason,
        out string? detail,
        bool redelivered = false)
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

        var headers = TaskHeaders.TryDecode(rawHeaders, redelivered);
        if (headers is null)
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
        return new IncomingTask(headers, document, root[0], root[1], body);
    }
}
