using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

using TaskFlow.Infrastructure;
using TaskFlow.Protocol;

namespace TaskFlow.Core;

/// <summary>An outgoing task message in Celery protocol v2: headers and the JSON body <c>[args, kwargs, embed]</c>.</summary>
internal sealed class TaskEnvelope
{
    private const int MaxReprLength = 1024;
    // Minimal escaping: non-ASCII text and quotes stay readable in the body and in argsrepr (Flower, Celery
    // logs). The body is never embedded in HTML, which is what the default encoder guards against.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly object BoxedTrue = true;

    private static readonly byte[] EmbedJson = "{\"callbacks\":null,\"errbacks\":null,\"chain\":null,\"chord\":null}"u8.ToArray();

    /// <summary>An envelope from its parts (e.g. read back from the outbox).</summary>
    public TaskEnvelope(string id, string taskName, string queue, HeaderTable headers, ReadOnlyMemory<byte> body, byte? priority, DateTimeOffset? eta, string? entityKey)
    {
        EntityKey = entityKey;
        Id = id;
        TaskName = taskName;
        Queue = queue;
        Headers = headers;
        Body = body;
        _priority = priority.GetValueOrDefault();
        _hasPriority = priority.HasValue;
        Eta = eta;
    }

    public DateTimeOffset? Eta { get; }

    /// <summary>The unique key this enqueue claims (<see cref="SendOptions.UniqueKey"/>), or <c>null</c>; not in the message.</summary>
    public UniqueClaim? Unique { get; private init; }

    /// <summary>
    /// The key this send is ordered by (<see cref="SendOptions.OrderKey"/>, else <c>task:{name}</c> for a task declared
    /// <c>Ordered = true</c>), also in the <c>x-taskflow-order-key</c> header; <c>null</c>: not ordered.
    /// </summary>
    public string? OrderKey { get; private init; }

    /// <summary>The entity the task works on (<see cref="SendOptions.EntityKey"/>), also in the <c>x-taskflow-entity</c> header.</summary>
    public string? EntityKey { get; }

    public string Id { get; }

    public string TaskName { get; }

    public string Queue { get; }

    public HeaderTable Headers { get; }

    /// <summary>
    /// The JSON body. When the envelope was made with <c>pooledBody</c>, valid until <see cref="ReturnBody"/>: a sender
    /// that keeps it past its send (the outbox row, an in-process transport's message) copies it.
    /// </summary>
    public ReadOnlyMemory<byte> Body { get; private set; }

    public byte? Priority => _hasPriority ? _priority : null;

    // The priority as two primitives rather than a byte?: the runtime lays a struct field out in a slot of its own, and
    // primitives together; with the pooled-body flag the three share one.
    private readonly byte _priority;
    private readonly bool _hasPriority;

    /// <summary>Whether <see cref="Body"/> is a pooled array's start not yet given back (a flag, not the array: it shares a slot with the priority's fields).</summary>
    private bool _pooledBody;

    /// <summary>
    /// Gives a pooled body back to <see cref="ArrayPool{T}.Shared"/> once the send has ended (once, by the send that made
    /// the envelope; nothing for an envelope without one). <see cref="Body"/> reads as empty afterwards, so a late reader
    /// sees no message rather than another one's bytes.
    /// </summary>
    public void ReturnBody()
    {
        if (_pooledBody && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Body, out var rented))
        {
            _pooledBody = false;
            Body = ReadOnlyMemory<byte>.Empty;
            ArrayPool<byte>.Shared.Return(rented.Array!);
        }
    }

    /// <summary>
    /// Leaves a pooled body to whoever still reads it (the transport's client, after a confirm timeout): it is not given
    /// back to the pool, and the garbage collector takes it once nothing reads it. <see cref="Body"/> stays readable.
    /// </summary>
    internal void AbandonBody() => _pooledBody = false;

    /// <summary>
    /// This envelope as a sender may keep past its send: itself when its body is not pooled, else a copy with its own
    /// body (the pooled one goes back when the send ends).
    /// </summary>
    public TaskEnvelope Keep() => !_pooledBody
        ? this
        : new TaskEnvelope(Id, TaskName, Queue, Headers, Body.ToArray(), Priority, Eta, EntityKey) { Unique = Unique, OrderKey = OrderKey };

    public static string NewTaskId() => TaskIds.New();

    public static TaskEnvelope Create<TArguments>(
        TaskDescriptor task,
        TArguments arguments,
        SendOptions? options,
        TaskFlowOptions flow,
        DateTimeOffset now,
        string origin,
        bool pooledBody = false)
        where TArguments : ITaskArgumentWriter
    {
        var unique = UniqueClaim.Of(task, options);
        var id = options?.TaskId ?? NewTaskId();
        var queue = options?.Queue ?? task.Queue ?? flow.DefaultQueue;
        // Sent from inside a running task: that task is the parent, its root the root (as Celery fills them in).
        var current = TaskContext.Current;
        var parentId = options?.ParentId ?? current?.TaskId;
        var rootId = options?.RootId ?? (options?.ParentId is null ? current?.RootId ?? current?.TaskId : null) ?? parentId ?? id;

        // The JSON writer and its buffer are reused per thread (a re-entrant call, e.g. from a converter, gets its own);
        // the body is copied out at its exact length, or into a pooled array that the caller gives back after the send
        // (pooledBody: one send at a time, whose body no sender keeps; a batch keeps hundreds in flight, more than the
        // pool holds, so its bodies are exact arrays).
        var cached = t_bodyWriter ?? new BodyWriter();
        t_bodyWriter = null;
        var buffer = cached.Buffer;
        buffer.ResetWrittenCount();
        var writer = cached.Json;
        writer.Reset(buffer);
        string argsRepr;
        ReadOnlyMemory<byte> body;
        try
        {
            writer.WriteStartArray();
            writer.Flush();
            var argsStart = buffer.WrittenCount;
            writer.WriteStartArray();
            try
            {
                arguments.WriteTo(writer, flow.SerializerOptions);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                throw new TaskArgumentException(task.Name, "the arguments cannot be serialized to JSON: " + ex.Message, ex);
            }

            writer.WriteEndArray();
            writer.Flush();
            argsRepr = task.SensitiveHeader is { } sensitive
                ? Repr(Encoding.UTF8.GetBytes(SensitiveArguments.RedactArguments(Encoding.UTF8.GetString(buffer.WrittenSpan[argsStart..]), sensitive)))
                : Repr(buffer.WrittenSpan[argsStart..]);
            writer.WriteStartObject();
            writer.WriteEndObject();
            writer.WriteRawValue(EmbedJson, skipInputValidation: true);
            writer.WriteEndArray();
            writer.Flush();
            if (pooledBody)
            {
                var rented = ArrayPool<byte>.Shared.Rent(buffer.WrittenCount);
                buffer.WrittenSpan.CopyTo(rented);
                body = rented.AsMemory(0, buffer.WrittenCount);
            }
            else
            {
                body = buffer.WrittenSpan.ToArray();
            }
        }
        finally
        {
            if (buffer.Capacity <= BodyWriter.MaxKeptCapacity)
            {
                t_bodyWriter = cached;
            }
        }

        DateTimeOffset? eta = options?.Eta ?? (options?.Countdown is { } countdown ? now + countdown : null);
        DateTimeOffset? expires = options?.ExpiresAt ?? (options?.ExpiresIn is { } expiresIn ? now + expiresIn : null);
        var timeLimited = options?.TimeLimit is not null || options?.SoftTimeLimit is not null;
        var ignoreResult = options?.IgnoreResult is true;
        // Celery's optional headers are sent only when they differ from what a Celery worker assumes without them
        // (docs/protocol.md): shadow, eta, expires, group, group_index and parent_id when they have a value; retries
        // when above 0 (a retry's copy carries it); timelimit when a limit is set; ignore_result when true; kwargsrepr
        // never, as TaskFlow sends no keyword arguments. Celery 5 reads each with .get() and a default, and every header
        // costs the broker about 2 us of CPU on each publish (docs/benchmarks.md, tenth pass).
        // Sized for this message: the six always sent, the optional ones it has, the send time and RabbitMQ.Client's
        // sequence number (both added when it is published), and a trace context's two.
        var capacity = 8
            + (timeLimited ? 1 : 0) + (ignoreResult ? 1 : 0)
            + (task.SensitiveHeader is null ? 0 : 1) + (eta is null ? 0 : 1) + (expires is null ? 0 : 1) + (parentId is null ? 0 : 1)
            + (options is null ? 0 : (options.EntityKey is null ? 0 : 1) + (options.ConcurrencyKey is null ? 0 : 1) + (options.RateLimitKey is null ? 0 : 1) + (options.Headers?.Count ?? 0))
            + (task.Ordered || options?.OrderKey is not null ? 1 : 0)
            + (System.Diagnostics.Activity.Current is null ? 0 : 2);
        var headers = new HeaderTable(capacity)
        {
            [MessageHeaders.Lang] = "py",
            [MessageHeaders.Task] = task.Name,
            [MessageHeaders.Id] = id,
            [MessageHeaders.RootId] = rootId,
            [MessageHeaders.ArgsRepr] = argsRepr,
            [MessageHeaders.Origin] = origin,
        };
        if (timeLimited)
        {
            headers[MessageHeaders.TimeLimit] = new List<object?> { Seconds(options?.TimeLimit), Seconds(options?.SoftTimeLimit) };
        }

        if (ignoreResult)
        {
            headers[MessageHeaders.IgnoreResult] = BoxedTrue;
        }

        if (task.SensitiveHeader is { } sensitiveHeader)
        {
            headers[MessageHeaders.Sensitive] = sensitiveHeader;
        }

        if (eta is { } e)
        {
            headers[MessageHeaders.Eta] = FormatTime(e);
        }

        if (expires is { } x)
        {
            headers[MessageHeaders.Expires] = FormatTime(x);
        }

        if (parentId is { } parent)
        {
            headers[MessageHeaders.ParentId] = parent;
        }

        if (options?.EntityKey is { } entityKey)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(entityKey, nameof(options));
            if (entityKey.Length > 255)
            {
                throw new ArgumentException("TaskFlow: SendOptions.EntityKey is longer than 255 characters.", nameof(options));
            }

            headers[MessageHeaders.EntityKey] = entityKey;
        }

        if (options?.ConcurrencyKey is { } concurrencyKey)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(concurrencyKey, nameof(options));
            if (concurrencyKey.Length > 255)
            {
                throw new ArgumentException("TaskFlow: SendOptions.ConcurrencyKey is longer than 255 characters.", nameof(options));
            }

            headers[MessageHeaders.ConcurrencyKey] = concurrencyKey;
        }

        if (options?.RateLimitKey is { } rateLimitKey)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(rateLimitKey, nameof(options));
            if (rateLimitKey.Length > 255)
            {
                throw new ArgumentException("TaskFlow: SendOptions.RateLimitKey is longer than 255 characters.", nameof(options));
            }

            headers[MessageHeaders.RateLimitKey] = rateLimitKey;
        }

        var orderKey = options?.OrderKey ?? (task.Ordered ? "task:" + task.Name : null);
        if (orderKey is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(orderKey, nameof(options));
            if (orderKey.Length > 255)
            {
                throw new ArgumentException(options?.OrderKey is null
                    ? $"TaskFlow: the order key of task '{task.Name}' (task:{{name}}) is longer than 255 characters; give it an OrderKey."
                    : "TaskFlow: SendOptions.OrderKey is longer than 255 characters.", nameof(options));
            }

            headers[MessageHeaders.OrderKey] = orderKey;
        }

        if (options?.Headers is { } extra)
        {
            foreach (var (key, value) in extra)
            {
                if (headers.ContainsKey(key))
                {
                    throw new ArgumentException($"TaskFlow: header '{key}' is set by the protocol and cannot be overridden through SendOptions.Headers.", nameof(options));
                }

                headers[key] = value;
            }
        }

        // The trace context of the sending span (TaskFlow's "send" span, or the caller's own when nobody listens to
        // TaskFlow's source): the worker's span joins that trace.
        if (System.Diagnostics.Activity.Current is { } activity)
        {
            Telemetry.Inject(activity, headers);
        }

        return new TaskEnvelope(id, task.Name, queue, headers, body, options?.Priority ?? (task.Priority > 0 ? task.Priority : null), eta, options?.EntityKey) { Unique = unique, OrderKey = orderKey, _pooledBody = pooledBody };
    }

    public static string FormatTime(DateTimeOffset time) => HeaderValues.FormatTime(time);

    [ThreadStatic]
    private static BodyWriter? t_bodyWriter;

    /// <summary>A JSON writer over a growable buffer, kept per thread between envelopes.</summary>
    private sealed class BodyWriter
    {
        /// <summary>A buffer grown past this (a huge argument) is dropped rather than kept by the thread.</summary>
        public const int MaxKeptCapacity = 64 * 1024;

        public BodyWriter()
        {
            Json = new Utf8JsonWriter(Buffer, WriterOptions);
        }

        public ArrayBufferWriter<byte> Buffer { get; } = new(512);

        public Utf8JsonWriter Json { get; }
    }

    private static double? Seconds(TimeSpan? span) => span?.TotalSeconds;

    private static string Repr(ReadOnlySpan<byte> json)
    {
        if (json.Length <= MaxReprLength)
        {
            return Encoding.UTF8.GetString(json);
        }

        // Truncate on a character boundary.
        var text = Encoding.UTF8.GetString(json[..MaxReprLength]);
        return text.TrimEnd('\uFFFD') + "...";
    }
}
