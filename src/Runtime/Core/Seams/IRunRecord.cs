using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>One run of a task as the state store tracks it (from <see cref="ITaskStateRecorder.BeginRunAsync"/>).</summary>
internal interface IRunRecord : ITaskTransactionSource, IAsyncDisposable
{
    /// <summary>The run's token: cancelled when the task is revoked (and when the worker's token is).</summary>
    CancellationToken Cancellation { get; }

    /// <summary>Whether the task was revoked while it ran.</summary>
    bool Revoked { get; }

    /// <summary>
    /// When the task opened a transaction (<see cref="TaskContext.GetTransactionAsync(CancellationToken)"/>): writes the
    /// completion record in it and commits both; <c>false</c> when another run of the same task id completed first (the
    /// work was rolled back). <c>null</c> when the task opened none (the state is recorded as usual).
    /// </summary>
    ValueTask<bool?> CommitWorkAsync(object? result, TaskFlow.Infrastructure.TaskDescriptor task);

    /// <summary>
    /// Records the task's progress (<see cref="TaskContext.ReportProgressAsync"/>), at a bounded rate: a report within
    /// the store's progress interval of the last write is kept and written when the interval has passed (or when the
    /// run ends), so a task may report as often as it likes.
    /// </summary>
    ValueTask ReportProgressAsync(TaskProgress progress, CancellationToken cancellationToken);

    /// <summary>Saves the task's checkpoint (JSON), in the task's own transaction when it opened one, so work and checkpoint commit together.</summary>
    ValueTask SaveCheckpointAsync(string json, CancellationToken cancellationToken);

    /// <summary>The task's last saved checkpoint (JSON), <c>null</c> when none; survives kills and redeliveries of the same task id.</summary>
    ValueTask<string?> LoadCheckpointAsync(CancellationToken cancellationToken);
}
