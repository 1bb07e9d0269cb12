using System;

namespace TaskFlow.State;

/// <summary>
/// One attempt of a task (<see cref="TaskStateStore.GetAttemptsAsync"/>): every attempt that ended in an error is
/// stored with its error and stack (schema version 13); the attempt that succeeded, or runs now, is the task's record.
/// </summary>
/// <param name="TaskId">The task id.</param>
/// <param name="Attempt">The attempt number (1 for the first run; retries, redeliveries and runs cut short by a crash count).</param>
/// <param name="State">What the attempt ended in: <see cref="TaskState.Retrying"/>, <see cref="TaskState.Failed"/> or <see cref="TaskState.DeadLettered"/> for a stored one; the task's state for its last attempt when that did not end in an error.</param>
/// <param name="Worker">The worker that ran it.</param>
/// <param name="StartedAt">When it started, when known (the worker's started record).</param>
/// <param name="EndedAt">When it ended; <c>null</c> while it runs.</param>
/// <param name="Error">The error summary (exception type and message), as the task's record shows it.</param>
/// <param name="Stack">The exception with its stack (<c>Exception.ToString()</c>: inner exceptions too), at most 16,000 characters (a last line says how many more were cut); <c>null</c> when the attempt ended without an exception (a lost worker's lease, a rejected message).</param>
public sealed record TaskAttemptInfo(
    string TaskId,
    int Attempt,
    TaskState State,
    string? Worker,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Error,
    string? Stack);
