using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>
/// The state store's database as one handle: its <see cref="SqlDialect"/> and its parts, one a concern:
/// <see cref="Connections"/>, <see cref="Schema"/>, task <see cref="States"/>, entity <see cref="Leases"/>, the
/// <see cref="Outbox"/> and the <see cref="TaskLeases"/> of long-running tasks. Every statement runs through Dapper (the prepared state upsert through ADO.NET).
/// Thread-safe; one per process.
/// </summary>
internal sealed class StateDatabase
{
    public StateDatabase(TaskStateOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        Options = options;
        Time = time;
        Dialect = options.Provider == StateStoreProvider.SqlServer ? SqlServerDialect.Create(options.Schema) : PostgreSqlDialect.Create(options.Schema, options.NotifyFinalStates, options.IndexArgumentsForSearch);
        var factory = options.ConnectionFactory!;
        Schema = new StateSchema(factory, Dialect, options, time, logger);
        Connections = new StateConnections(factory, Schema);
        States = new TaskStateRecords(Connections, Dialect, options, time);
        Leases = new EntityLeases(Connections, Dialect.Leases, States, options, time);
        Outbox = new OutboxRecords(Connections, Dialect.Outbox, time);
        TaskLeases = new TaskLeases(Connections, Dialect.TaskLeases, States, time);
        Workers = new WorkerRecords(Connections, Dialect.Workers, time);
        Queries = new TaskQueries(Connections, Dialect.Queries, options, time);
        Locks = new LockSlots(Connections, Dialect.Locks, time);
        UniqueKeys = new UniqueKeys(Connections, Dialect.UniqueKeys, Leases, States, options, time, logger);
        RateLimits = new RateLimitRecords(Connections, Dialect.RateLimits);
        Order = new OrderRecords(Connections, Dialect.Order, Leases, UniqueKeys, States, options, time, logger);
    }

    public TaskStateOptions Options { get; }

    public TimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public SqlDialect Dialect { get; }

    /// <summary>Opens connections once the schema is ready (also for a task's own transaction, <see cref="StoreRun"/>).</summary>
    public StateConnections Connections { get; }

    public StateSchema Schema { get; }

    public TaskStateRecords States { get; }

    public EntityLeases Leases { get; }

    public OutboxRecords Outbox { get; }

    /// <summary>The leases of long-running tasks (lease mode).</summary>
    public TaskLeases TaskLeases { get; }

    /// <summary>Worker heartbeats.</summary>
    public WorkerRecords Workers { get; }

    /// <summary>The task list and the overview's counts.</summary>
    public TaskQueries Queries { get; }

    /// <summary>Permits of distributed locks and per-key concurrency limits.</summary>
    public LockSlots Locks { get; }

    /// <summary>The keys of unique tasks.</summary>
    public UniqueKeys UniqueKeys { get; }
    /// <summary>Rate limits: one GCRA arrival time per key.</summary>
    public RateLimitRecords RateLimits { get; }

    /// <summary>Ordered processing per key: the numbers of ordered tasks and the gate.</summary>
    public OrderRecords Order { get; }
}
