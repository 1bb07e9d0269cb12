using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;

namespace TaskFlow.Testing;

/// <summary>
/// One task sent while the harness recorded: its name, id, queue, options (countdown or ETA, headers, priority), its
/// arguments as the worker binds them, and what became of its runs.
/// </summary>
public sealed class SentTask
{
    private readonly TaskDescriptor? _descriptor;
    private readonly JsonSerializerOptions _serializer;
    private readonly List<TaskRun> _runs = [];
    private TaskArgumentReader? _arguments;

    internal SentTask(TaskMessage message, DateTimeOffset sentAt, TaskDescriptor? descriptor, JsonSerializerOptions serializer)
    {
        Message = message;
        SentAt = sentAt;
        _descriptor = descriptor;
        _serializer = serializer;
    }

    /// <summary>The message as the transport would carry it (headers and JSON body).</summary>
    public TaskMessage Message { get; }

    /// <summary>The task id.</summary>
    public string Id => Message.Id;

    /// <summary>The task's wire name (<c>signup.signup_tasks.send_welcome_email</c>).</summary>
    public string TaskName => Message.TaskName;

    /// <summary>The queue it was sent to.</summary>
    public string Queue => Message.Queue;

    /// <summary>When it was sent, on the harness's clock.</summary>
    public DateTimeOffset SentAt { get; }

    /// <summary>When it is due (<see cref="SendOptions.Countdown"/> or <see cref="SendOptions.Eta"/>), or <c>null</c>: at once.</summary>
    public DateTimeOffset? Eta => Message.Eta;

    /// <summary>How long after sending it is due, or <c>null</c> when it is due at once.</summary>
    public TimeSpan? Countdown => Eta - SentAt;

    /// <summary>The message headers (Celery's and TaskFlow's, and the ones set with <see cref="SendOptions.Headers"/>).</summary>
    public IReadOnlyDictionary<string, object?> Headers => Message.Headers;

    /// <summary>The message priority, if set.</summary>
    public byte? Priority => Message.Priority;

    /// <summary>The entity key (<see cref="SendOptions.EntityKey"/>), if any.</summary>
    public string? EntityKey => Header(MessageHeaders.EntityKey);

    /// <summary>The task that sent this one (<see cref="TaskContext.Current"/> when it was sent), if any.</summary>
    public string? ParentId => Header(MessageHeaders.ParentId);

    /// <summary>The first task of the tree this one belongs to (its own id when it was sent from outside a task).</summary>
    public string? RootId => Header(MessageHeaders.RootId);

    /// <summary>When it expires (<see cref="SendOptions.ExpiresIn"/>/<see cref="SendOptions.ExpiresAt"/>), if set.</summary>
    public DateTimeOffset? Expires => Header(MessageHeaders.Expires) is { } text
        ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
        : null;

    /// <summary>
    /// The arguments as the worker binds them: <c>Arguments.Get&lt;int&gt;(0, allowNull: false)</c> by position. The typed
    /// accessors (<c>harness.Sent.SendWelcomeEmail</c>) and <see cref="Argument{T}(string)"/> read them by name.
    /// </summary>
    public TaskArgumentReader Arguments => _arguments ??= Message.ReadArguments(Descriptor, _serializer);

    /// <summary>The runs so far (in-process), or what the worker did with it (a tracked session).</summary>
    public IReadOnlyList<TaskRun> Runs
    {
        get
        {
            lock (_runs)
            {
                return _runs.ToArray();
            }
        }
    }

    /// <summary>The outcome of the last run (<c>succeeded</c>, <c>retried</c>, <c>dead_lettered</c>...), or <c>null</c> before it ran.</summary>
    public string? Outcome
    {
        get
        {
            lock (_runs)
            {
                return _runs.Count == 0 ? null : _runs[^1].Outcome;
            }
        }
    }

    /// <summary>Whether the last run left the task final (not retried, deferred or handed back).</summary>
    public bool IsFinal => Outcome is { } outcome && outcome is not ("retried" or "deferred" or "handed_back");

    private TaskDescriptor Descriptor => _descriptor
        ?? throw new InvalidOperationException($"TaskFlow.Testing: no task named '{TaskName}' is registered in this service provider, so its arguments cannot be bound. Register it with the generated Add{{Assembly}}Tasks().");

    /// <summary>
    /// The argument named <paramref name="name"/> (as declared, <c>userId</c>, or its wire name, <c>user_id</c>),
    /// deserialized as <typeparamref name="T"/> the way the worker binds it.
    /// </summary>
    public T Argument<T>(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var arguments = Descriptor.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (string.Equals(arguments[i].Name, name, StringComparison.Ordinal) || string.Equals(arguments[i].WireName, name, StringComparison.Ordinal))
            {
                return Arguments.Get<T>(i, allowNull: true);
            }
        }

        throw new ArgumentException($"TaskFlow.Testing: task '{TaskName}' has no argument named '{name}'.", nameof(name));
    }

    internal void AddRun(TaskRun run)
    {
        lock (_runs)
        {
            _runs.Add(run);
        }
    }

    private string? Header(string name) => Message.Headers.TryGetValue(name, out var value) ? value as string : null;

    /// <inheritdoc />
    public override string ToString() => $"{TaskName} [{Id}] on {Queue}";
}
