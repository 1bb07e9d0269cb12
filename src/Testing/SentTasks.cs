using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace TaskFlow.Testing;

/// <summary>
/// Every task sent while the harness recorded, in the order sent (a snapshot taken when it is enumerated). The
/// generator adds a typed accessor per task of a project that references <c>TaskFlow.Testing</c>
/// (<c>harness.Sent.SendWelcomeEmail</c>); <see cref="Named"/> and <see cref="SentTask.Argument{T}(string)"/> work for any task.
/// </summary>
public sealed class SentTasks : IReadOnlyList<SentTask>
{
    private readonly TaskFlowTestHarness _harness;

    internal SentTasks(TaskFlowTestHarness harness)
    {
        _harness = harness;
    }

    /// <inheritdoc />
    public int Count => _harness.Snapshot().Count;

    /// <inheritdoc />
    public SentTask this[int index] => _harness.Snapshot()[index];

    /// <summary>The sends of the task with wire name <paramref name="taskName"/>, in order.</summary>
    public IReadOnlyList<SentTask> Named(string taskName)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        return _harness.Snapshot().Where(t => string.Equals(t.TaskName, taskName, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>The send with task id <paramref name="taskId"/>, or <c>null</c>.</summary>
    public SentTask? WithId(string taskId) => _harness.Snapshot().FirstOrDefault(t => string.Equals(t.Id, taskId, StringComparison.Ordinal));

    /// <summary>
    /// The sends of <paramref name="taskName"/>, each decoded by <paramref name="decode"/>. Called by the generated typed
    /// accessors.
    /// </summary>
    public SentTaskList<T> Of<T>(string taskName, Func<SentTask, T> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        return new SentTaskList<T>(taskName, Named(taskName).Select(decode).ToArray());
    }

    /// <inheritdoc />
    public IEnumerator<SentTask> GetEnumerator() => _harness.Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
