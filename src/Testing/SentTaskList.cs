using System;
using System.Collections;
using System.Collections.Generic;

namespace TaskFlow.Testing;

/// <summary>
/// The recorded sends of one task, each decoded into <typeparamref name="T"/> (a generated record with the task's
/// parameters): what the generated accessors return (<c>harness.Sent.SendWelcomeEmail.Single().UserId</c>).
/// A snapshot taken when it was read.
/// </summary>
/// <typeparam name="T">The decoded form of one send.</typeparam>
public sealed class SentTaskList<T> : IReadOnlyList<T>
{
    private readonly IReadOnlyList<T> _items;

    internal SentTaskList(string taskName, IReadOnlyList<T> items)
    {
        TaskName = taskName;
        _items = items;
    }

    /// <summary>The task's wire name (for <see cref="TaskFlowTestHarness.FailNext(string, Exception?, int)"/> and the like).</summary>
    public string TaskName { get; }

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
