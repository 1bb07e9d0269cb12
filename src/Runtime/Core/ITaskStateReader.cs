using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow;

/// <summary>
/// Reads what the state store knows about tasks: what a <see cref="TaskHandle"/> reads through. Implemented by the
/// state store (<c>TaskFlow.State.ITaskStateStore</c>); fake it in unit tests of code that waits for tasks.
/// </summary>
public interface ITaskStateReader
{
    /// <summary>What the store knows about a task, or <c>null</c> when nothing (unknown id, or its record expired).</summary>
    Task<TaskStateInfo?> GetAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Waits until the task is in a final state and returns its record; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    Task<TaskStateInfo> WaitAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>The result of a task that succeeded; <see cref="TaskNotSucceededException"/> when it ended otherwise, <see cref="InvalidOperationException"/> when it has not finished.</summary>
    Task<TResult> GetResultAsync<TResult>(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Waits for a task to finish and returns its result.</summary>
    Task<TResult> WaitForResultAsync<TResult>(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default);
}
