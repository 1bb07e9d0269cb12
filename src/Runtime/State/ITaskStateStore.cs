using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State;

/// <summary>
/// TaskFlow's state store as application code uses it: read task states and results, revoke, lock entities, enqueue
/// through the outbox, watch the outbox, manage the schema. Registered by <c>AddStateStore(...)</c> (as this interface
/// and as <see cref="TaskStateStore"/>); fake it in unit tests of code that revokes, locks or reads state.
/// </summary>
public interface ITaskStateStore : ITaskStateReader
{
    /// <summary>Revokes a task (durably; a running one is cancelled). <c>false</c> when it had already finished.</summary>
    Task<bool> RevokeAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes many tasks by id in few statements (1,000 ids each), e.g. every task of a purged queue, so that their
    /// pending records no longer hold their entities. Returns how many were revoked: tasks already final are not.
    /// </summary>
    Task<int> RevokeAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default);

    /// <summary>Revokes every unfinished task enqueued with this <see cref="SendOptions.EntityKey"/>; returns their ids.</summary>
    Task<IReadOnlyList<string>> RevokeEntityAsync(string entityKey, CancellationToken cancellationToken = default);

    /// <summary>Takes an exclusive lease on an entity (<see cref="EntityLockedException"/> on conflict, after waiting up to <paramref name="wait"/>).</summary>
    Task<EntityLease> LockEntityAsync(string entityKey, TimeSpan? wait = null, CancellationToken cancellationToken = default);

    /// <summary>An <see cref="ITaskClient"/> that enqueues into the outbox inside <paramref name="transaction"/>.</summary>
    ITaskClient Outbox(DbTransaction transaction);

    /// <summary>The outbox backlog: pending and failing transactions, for monitoring.</summary>
    Task<OutboxStatus> GetOutboxStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes every expired record now; returns how many.</summary>
    Task<long> CleanupAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates or migrates the schema (idempotent); returns how many migrations ran.</summary>
    Task<int> ApplySchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>The version the database's schema is at (0: none) and the version this TaskFlow needs.</summary>
    Task<(int Current, int Required)> GetSchemaVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>The whole schema as a SQL script.</summary>
    string GetSchemaScript();

    /// <summary>One page of the recorded tasks that <paramref name="query"/> selects, newest first; <see cref="TaskPage.NextCursor"/> leads to the next.</summary>
    Task<TaskPage> QueryTasksAsync(TaskQuery query, CancellationToken cancellationToken = default);

    /// <summary>The tasks recorded since <paramref name="since"/>, counted by their state now and by task name and state.</summary>
    Task<TaskCounts> GetTaskCountsAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The workers that recorded themselves (heartbeat every <see cref="TaskStateOptions.WorkerHeartbeatInterval"/>): running, stopped, or lost (not seen for three intervals).</summary>
    Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A task's attempts, oldest first: each that ended in an error with its error and stack, then the last one from the
    /// task's record when it did not (<see cref="TaskStateStore.GetAttemptsAsync"/>). A fake that does not override it has none.
    /// </summary>
    Task<IReadOnlyList<TaskAttemptInfo>> GetAttemptsAsync(string taskId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TaskAttemptInfo>>([]);
}
